import { type LockStore, releaseLock } from '../shared/deploy-lock';

/**
 * Release Lock's input: the execution whose deployment lock to release. The workflow passes
 * `{ executionArn: $$.Execution.Id }`; an abort path may pass the same, or Step Functions' own
 * `Step Functions Execution Status Change` event of an ABORTED, TIMED_OUT or FAILED execution as
 * EventBridge delivers it (`detail.executionArn`), so a rule can target the function directly.
 */
export type ReleaseLockInput = { executionArn: string } | { detail: { executionArn: string } };

export interface ReleaseLockResult {
  executionArn: string;
  /** How many services and rules this call released (0 when they already were). */
  released: number;
}

/**
 * Release Lock: frees every service and rule `executionArn` holds. Idempotent and owner-checked,
 * so every ending may run it, and an abort path after it: targets that were never taken, were
 * already released, or were taken over by another execution after this one's lock expired are
 * left alone.
 */
export async function releaseDeploymentLock(input: ReleaseLockInput, store: LockStore): Promise<ReleaseLockResult> {
  const executionArn = executionArnOf(input);
  const { released } = await releaseLock(store, executionArn);
  return { executionArn, released };
}

function executionArnOf(input: unknown): string {
  const record = (input ?? {}) as { executionArn?: unknown; detail?: { executionArn?: unknown } };
  const arn = record.executionArn ?? record.detail?.executionArn;
  if (typeof arn !== 'string' || !/^arn:[^:]+:states:[^:]+:\d{12}:execution:/.test(arn)) {
    throw new Error(`Release Lock needs an execution ARN, got ${JSON.stringify(arn)}`);
  }
  return arn;
}
