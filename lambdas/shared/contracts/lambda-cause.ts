/**
 * Step Functions keeps at most 32,768 characters of an error's cause and cuts the rest, so a
 * Lambda error's JSON cause can arrive unparseable.
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
export const MAX_CAUSE_CHARS = 32_768;

const TRUNCATED_NOTE = ' … (cut short: Step Functions keeps 32,768 characters of a cause)';

/**
 * A Lambda error's Cause, as Step Functions records it, is JSON ({ errorType, errorMessage, … }):
 * its message is what people read. A cause cut short still shows its message, with a note;
 * anything else is returned as it is.
 */
export function causeMessage(cause: string | null | undefined): string | null {
  if (cause === null || cause === undefined) return null;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    const partial = truncatedMessage(cause);
    return partial === null ? cause : `${partial}${TRUNCATED_NOTE}`;
  }
}

/** The errorMessage of a Lambda cause cut short, decoded as far as it goes; null if it is none. */
function truncatedMessage(cause: string): string | null {
  const key = cause.indexOf('"errorMessage":"');
  if (!cause.trimStart().startsWith('{') || key < 0) return null;
  const start = key + '"errorMessage":"'.length;
  // The JSON string runs to the first unescaped quote, or to the cut.
  let end = start;
  while (end < cause.length && cause[end] !== '"') end += cause[end] === '\\' ? 2 : 1;
  let body = cause.slice(start, Math.min(end, cause.length));
  // A cut inside an escape (`\`, `\u12`) leaves a fragment JSON cannot decode: drop it.
  body = body.replace(/\\(u[0-9a-fA-F]{0,3})?$/, '');
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return body;
  }
}
