import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Plan, PrepareInput } from '../shared/contracts/state';
import { releaseLock } from '../shared/deploy-lock';
import { decideOverlap, type PlanLock, takeLock } from '../shared/overlaps';
import { prepareRestore } from './restore';

export interface PrepareRestoreOptions {
  /** Step Functions, the function's own credentials: reads the stopped execution and its plan. */
  stepFunctions: SFNClient;
  /** The deployment lock, handed from the stopped execution to the restore. Without it no lock is taken. */
  lock?: PlanLock;
}

/**
 * Prepare Restore, the first step of an execution started with `{ restoreOf }` (restore.ts): the
 * aborted execution's plan, with the deployment lock handed over to the restore.
 */
export async function prepareRestoreStep(input: PrepareInput, options: PrepareRestoreOptions): Promise<Plan> {
  const plan = await prepareRestore(input.execution, input.executionArn, options.stepFunctions);
  if (plan.skipped === undefined && options.lock) {
    // The stopped execution still holds its targets (it never reached Release Lock): hand them to
    // the restore. A deployment that took any of them since (after the lock's TTL) goes first:
    // restoring would undo it, so the restore is refused, naming it.
    if (plan.restoreOf) await releaseLock(options.lock.store, plan.restoreOf.executionArn);
    decideOverlap(plan, 'console', await takeLock(plan, input.executionArn, options.lock));
  }
  return plan;
}
