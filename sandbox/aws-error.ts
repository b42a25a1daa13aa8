/**
 * An error answered the way AWS answers it: `{"__type": type, "message": …}` with an HTTP
 * status, so the real SDK clients raise their typed exceptions (ServiceNotFoundException, …).
 */
export class SandboxAwsError extends Error {
  override readonly name = 'SandboxAwsError';
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    /** More members of the error's body, as AWS sends them (DynamoDB's CancellationReasons, Item). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
