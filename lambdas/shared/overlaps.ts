import { ConcurrentDeploymentError, InvalidDeploymentError } from './contracts/errors';
import type { ExecutionInput } from './contracts/execution-input';
import { restoreNameOf } from './contracts/restore-name';
import type { Plan } from './contracts/state';
import { acquireLock, LockError, type LockHolder, type LockOutcome, type LockStore, lockTargets } from './deploy-lock';

/** The deployment lock as the steps that take it (Acquire Lock, Prepare Restore) are given it. */
export interface PlanLock {
  store: LockStore;
  /** How long its items live: the state machine's timeout. */
  ttlSeconds: number;
}

/** What Acquire Lock (or a restore) does once it has tried the deployment lock. */
export type OverlapDecision = { kind: 'proceed' } | { kind: 'skip'; reason: string };

/** The same commit, whatever the case each SHA was written in (the tags themselves stay as given). */
export function sameSha(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && a.toLowerCase() === b.toLowerCase();
}

/** A push-started deployment of what every service and scheduled-task target already runs. */
export function alreadyRuns(plan: Plan): boolean {
  const { gitsha } = plan.deployment;
  return (
    plan.services.every((service) => sameSha(service.previousSha, gitsha)) &&
    plan.scheduledTasks.every((rule) => rule.targets.every((target) => sameSha(target.previousSha, gitsha)))
  );
}

/**
 * What a refused lock means. A push-started deployment whose every service and rule is held by
 * executions deploying the same SHA is a duplicate (ECR delivering one push twice): skipped, not
 * refused, so a repeated event raises no alarm. Anything else is refused with
 * ConcurrentDeploymentError, naming the execution that holds the first contested target.
 */
export function decideOverlap(plan: Plan, source: ExecutionInput['source'], outcome: LockOutcome): OverlapDecision {
  if (outcome.kind === 'acquired') return { kind: 'proceed' };
  const { gitsha } = plan.deployment;
  const { holders } = outcome;
  if (source === 'ecr' && outcome.everyTargetHeld && holders.every((holder) => sameSha(holder.gitsha, gitsha))) {
    const names = [...new Set(holders.map((holder) => executionName(holder.executionArn)))].join(', ');
    return { kind: 'skip', reason: `${gitsha} is already being deployed to these services by ${names}` };
  }
  throw new ConcurrentDeploymentError(concurrentMessage(holders));
}

function concurrentMessage(holders: readonly LockHolder[]): string {
  const [first] = holders;
  if (!first) return 'another execution is deploying the same targets; nothing was changed. Deploy again later.';
  const touched = holders.filter((holder) => holder.executionArn === first.executionArn).map((holder) => holder.label);
  const shown = touched.slice(0, 5).join(', ') + (touched.length > 5 ? ` and ${touched.length - 5} more` : '');
  const others = new Set(holders.map((holder) => holder.executionArn)).size - 1;
  const more = others > 0 ? ` (and ${others} other running execution(s))` : '';
  return (
    `execution ${first.executionArn} is already deploying ${first.gitsha} to ${shown}${more}; nothing was changed. ` +
    'Wait for it to finish, or stop it (StopExecution: a follow-up execution, ' +
    `${restoreNameOf(first.executionArn)}, then puts every service and scheduled task it planned back on ` +
    'the revision it ran before), then deploy again once that has ended.'
  );
}

function executionName(executionArn: string): string {
  return executionArn.slice(executionArn.lastIndexOf(':') + 1);
}

/** Takes the deployment lock of every service and rule of the plan, for `executionArn`. */
export async function takeLock(plan: Plan, executionArn: string, lock: PlanLock): Promise<LockOutcome> {
  try {
    return await acquireLock(lock.store, {
      executionArn,
      gitsha: plan.deployment.gitsha,
      targets: lockTargets(plan),
      ttlSeconds: lock.ttlSeconds,
    });
  } catch (error) {
    // AccessDenied, a missing table: nothing was changed, and retrying will not help.
    if (error instanceof LockError) throw new InvalidDeploymentError(error.message, [error.message], { cause: error });
    throw error;
  }
}
