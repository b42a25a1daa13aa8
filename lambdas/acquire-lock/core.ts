import type { ExecutionInput } from '../shared/contracts/execution-input';
import type { Plan } from '../shared/contracts/state';
import { decideOverlap, type PlanLock, takeLock } from '../shared/overlaps';

/**
 * Acquire Lock's input: Prepare Deployment's plan and how the execution was started (its input's
 * `source`, which Prepare validated): a duplicate ECR push is skipped where any other overlap is
 * refused.
 */
export interface AcquireLockInput {
  plan: Plan;
  execution: { source?: ExecutionInput['source'] } | null;
}

/**
 * Acquire Lock: takes the deployment lock (shared/deploy-lock.ts) of every service and rule of the
 * plan, once Prepare Deployment found nothing to refuse; Release Lock frees it at every ending.
 * Returns the plan, `skipped` when every target is already being deployed at the same SHA by
 * another execution (ECR delivering one push twice); throws ConcurrentDeploymentError for any
 * other overlap. A plan already skipped takes no lock.
 */
export async function acquireDeploymentLock(input: AcquireLockInput, lock: PlanLock): Promise<Plan> {
  const { plan } = input;
  if (plan.skipped !== undefined) return plan;
  const outcome = await takeLock(plan, plan.deployment.executionArn, lock);
  const decision = decideOverlap(plan, input.execution?.source, outcome);
  return decision.kind === 'skip' ? { ...plan, skipped: decision.reason } : plan;
}
