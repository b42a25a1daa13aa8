/**
 * A Lambda error's Cause, as Step Functions records it, is JSON ({ errorType, errorMessage, … }):
 * its message is what people read. Anything else is returned as it is.
 */
export function causeMessage(cause: string | null | undefined): string | null {
  if (cause === null || cause === undefined) return null;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}
