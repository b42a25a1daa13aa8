import { SandboxAwsError } from './aws-error';
import type { Fleet } from './fleet';
import type { ApiCall, ApiGuard } from './server';

type ApiFault = Fleet['apiFaults'][number];

/**
 * Errors AWS answers with a 5xx status: the SDK treats them as transient (retryable) server
 * errors. Everything else is a 4xx client error, as AWS's own error lists show it
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/CommonErrors.html).
 */
const SERVER_ERRORS = new Set([
  'ServerException',
  'InternalFailure',
  'InternalException',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

/** The HTTP status AWS answers an error type with. */
export function statusOf(errorType: string): number {
  if (!SERVER_ERRORS.has(errorType)) return 400;
  return errorType.startsWith('ServiceUnavailable') ? 503 : 500;
}

/**
 * The fleet's `apiFaults` as a guard: a call whose operation is the fault's and whose request
 * fields all match fails with the fault's error, always (`count: 0`) or for the first `count`
 * matching calls only. Faults are tried in the order the fleet lists them.
 */
export function apiFaultsGuard(faults: readonly ApiFault[]): ApiGuard {
  const remaining = faults.map((fault) => (fault.count === 0 ? Number.POSITIVE_INFINITY : fault.count));
  return (call: ApiCall) => {
    faults.forEach((fault, index) => {
      if (fault.operation !== call.operation || (remaining[index] ?? 0) <= 0) return;
      if (!Object.entries(fault.match).every(([field, wanted]) => fieldMatches(call.input[field], wanted))) return;
      remaining[index] = (remaining[index] ?? 0) - 1;
      throw new SandboxAwsError(
        fault.error,
        fault.message ?? `Injected by the fleet's apiFaults: ${call.service}:${call.operation} fails.`,
        statusOf(fault.error),
      );
    });
  };
}

/**
 * A request field matches when it (or, for an ARN, its last path segment) equals the wanted value,
 * `*` and `?` being wildcards. A list matches when any of its items does.
 */
export function fieldMatches(actual: unknown, wanted: string | number | boolean): boolean {
  if (Array.isArray(actual)) return actual.some((item) => fieldMatches(item, wanted));
  if (actual === undefined || actual === null || typeof actual === 'object') return false;
  const text = String(actual);
  const pattern = globToRegExp(String(wanted));
  if (pattern.test(text)) return true;
  const lastSegment = text.startsWith('arn:') ? text.slice(text.lastIndexOf('/') + 1) : undefined;
  return lastSegment !== undefined && pattern.test(lastSegment);
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 's');
}
