/**
 * Every failure gehen can name has a class whose `name` is what the state machine's
 * `ErrorEquals` matches (a Lambda error's `errorType` is the thrown error's `name`).
 * These names are a contract between the Lambdas, the workflow and the CLI.
 */

/** The input or the account does not allow this deployment. Nothing was changed. */
export class InvalidDeploymentError extends Error {
  override readonly name = 'InvalidDeploymentError';
  constructor(
    message: string,
    readonly problems: readonly string[] = [message],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Another running execution is deploying one of the same services or rules. Nothing was changed. */
export class ConcurrentDeploymentError extends Error {
  override readonly name = 'ConcurrentDeploymentError';
}

/** A deploy step failed for a reason that retrying will not fix; the workflow rolls back. */
export class DeploymentFailedError extends Error {
  override readonly name = 'DeploymentFailedError';
}

/** Putting a service or rule back on its previous revision failed. */
export class RollbackFailedError extends Error {
  override readonly name = 'RollbackFailedError';
}

/**
 * A write step was invoked for something no running execution of this stack's state machine
 * planned (a forged or stale payload). Nothing was changed.
 */
export class UnauthorizedInvocationError extends Error {
  override readonly name = 'UnauthorizedInvocationError';
}

/**
 * Throttling or a transient AWS fault. Never a deployment failure: the workflow retries it
 * with backoff and jitter.
 */
export class TransientAwsError extends Error {
  override readonly name = 'TransientAwsError';
}

/** The ASL error names of the classes above, for Retry and Catch. */
export const ErrorNames = {
  invalidDeployment: 'InvalidDeploymentError',
  concurrentDeployment: 'ConcurrentDeploymentError',
  deploymentFailed: 'DeploymentFailedError',
  rollbackFailed: 'RollbackFailedError',
  transient: 'TransientAwsError',
  unauthorizedInvocation: 'UnauthorizedInvocationError',
} as const;

/** The `Error` of each terminal Fail state: what the CLI maps to an exit code. */
export const FailureCodes = {
  invalidDeployment: 'Gehen.InvalidDeployment',
  concurrentDeployment: 'Gehen.ConcurrentDeployment',
  rolledBack: 'Gehen.RolledBack',
  rollbackFailed: 'Gehen.RollbackFailed',
  verifyFailed: 'Gehen.VerifyFailed',
  drainTimedOut: 'Gehen.DrainTimedOut',
  rollbackTimedOut: 'Gehen.RollbackTimedOut',
} as const;

export type FailureCode = (typeof FailureCodes)[keyof typeof FailureCodes];

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'ServerException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  // EventBridge: another PutTargets/PutRule on the same rule at the same moment; trying again
  // succeeds (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html#API_PutTargets_Errors).
  'ConcurrentModificationException',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

/**
 * Errors ECS reports as a plain ClientException that are contention, not a bad request: two
 * deployments (or a service and a scheduled task) registering revisions of one family at once.
 */
const TRANSIENT_CLIENT_EXCEPTIONS = [/too many concurrent attempts to create a new revision/i];

// A wrapped error's causes are followed this deep, no further (a cycle must not hang a step).
const MAX_CAUSES = 5;

/**
 * Throttling and transient faults, matched by name: the ECS SDK has no class for throttling.
 * LimitExceededException is not one of them: EventBridge's targets-per-rule limit is permanent.
 *
 * An error gehen already wrapped counts by its cause: a throttled AssumeRole under `role.arn` is
 * wrapped once by the credential provider and again by the step whose call needed the credentials,
 * and must still be retried like any other throttle.
 */
export function isTransientAwsError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth <= MAX_CAUSES; depth++) {
    if (current instanceof TransientAwsError || isTransientItself(current)) return true;
    current = current.cause;
  }
  return false;
}

function isTransientItself(error: Error): boolean {
  const meta = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  const code = (error as { code?: string }).code;
  return (
    TRANSIENT_NAMES.has(error.name) ||
    (error.name === 'ClientException' && TRANSIENT_CLIENT_EXCEPTIONS.some((p) => p.test(error.message))) ||
    (code !== undefined && TRANSIENT_NAMES.has(code)) ||
    (meta?.httpStatusCode !== undefined && meta.httpStatusCode >= 500) ||
    meta?.httpStatusCode === 429
  );
}

/**
 * Wraps an AWS error with what gehen was doing: "failed to update service api in cluster prod: …".
 * Throttling and transient faults become TransientAwsError (retried by the workflow); anything
 * else becomes `otherwise` (DeploymentFailedError unless told).
 */
export function wrapAwsError(
  context: string,
  error: unknown,
  otherwise: new (message: string, options?: ErrorOptions) => Error = DeploymentFailedError,
): Error {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const message = `failed to ${context}: ${detail}`;
  if (isTransientAwsError(error)) return new TransientAwsError(message, { cause: error });
  return new otherwise(message, { cause: error });
}
