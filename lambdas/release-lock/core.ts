import { type LockStore, releaseLock } from '../shared/deploy-lock';

/**
 * Release Lock's input: the execution whose deployment lock to release. The workflow passes
 * `$$.Execution.Id`; an abort path (Step Functions' status-change event of an ABORTED, TIMED_OUT
 * or FAILED execution) passes the event's `detail.executionArn`.
 */
export interface ReleaseLockInput {
  executionArn: string;
}

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
  if (typeof input?.executionArn !== 'string' || !input.executionArn.startsWith('arn:')) {
    throw new Error(`Release Lock needs an execution ARN, got ${JSON.stringify(input?.executionArn)}`);
  }
  const { released } = await releaseLock(store, input.executionArn);
  return { executionArn: input.executionArn, released };
}
