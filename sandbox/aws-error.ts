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
  ) {
    super(message);
  }
}
