import { randomBytes } from 'node:crypto';
import { nowSeconds } from '../ids';
import { emitHookState } from './ecs-events';
import type { HookRun, ServiceDeploymentRecord, ServiceRecord } from './model';
import type { Scheduler } from './staged-rollout';

/**
 * PAUSE lifecycle hooks (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/pause-lifecycle-hooks.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-lifecycle-hooks.html): when
 * a deployment reaches a stage with a PAUSE hook, ECS gives the hook a `hookId`, emits `ECS Hook
 * State Change` HOOK_AWAITING_ACTION and holds the deployment until ContinueServiceDeployment
 * (CONTINUE or ROLLBACK) or the hook's timeout, whose action (default ROLLBACK after 1440 minutes:
 * DeploymentLifecycleHookTimeoutConfiguration) then applies. Every hook at a stage must finish
 * before the deployment moves on. The sandbox runs a stage's hooks once its work is done; a hook
 * at PRE_PRODUCTION_TRAFFIC_SHIFT runs before every traffic-shift step, as ECS invokes that stage.
 *
 * What a hook's status becomes is not documented beyond its values: the sandbox answers SUCCEEDED
 * after CONTINUE, FAILED after ROLLBACK (or when the deployment ends otherwise while it waits) and
 * TIMED_OUT after the timeout, whichever action the timeout then takes.
 */

/** Starts the PAUSE hooks of the deployment's current stage, once per stage entry. */
export function startHooks(
  service: ServiceRecord,
  record: ServiceDeploymentRecord,
  scheduler: Scheduler,
  rollBack: (reason: string) => void,
): void {
  const stage = record.stage;
  if (!stage || record.hooks.some((run) => run.entry === record.stageEntry)) return;
  const hooks = record.settings.lifecycleHooks.filter((hook) => hook.lifecycleStages.includes(stage));
  for (const hook of hooks) {
    const timeout = hook.timeoutInMinutes * 60 * scheduler.env.timing.scale;
    const run: HookRun = {
      // The form of the pause-hook page's example: `ecs-pause-` and 43 URL-safe characters.
      hookId: `ecs-pause-${randomBytes(32).toString('base64url')}`,
      stage,
      entry: record.stageEntry,
      status: 'AWAITING_ACTION',
      expiresAt: nowSeconds() + timeout,
      timeoutAction: hook.action,
    };
    record.hooks.push(run);
    record.updatedAt = nowSeconds();
    emitHookState(scheduler.env.events, service, record, run);
    scheduler.env.timers.after(timeout, () => {
      if (run.status !== 'AWAITING_ACTION' || record.status !== 'IN_PROGRESS') return;
      run.status = 'TIMED_OUT';
      record.updatedAt = nowSeconds();
      if (run.timeoutAction === 'ROLLBACK') rollBack(`Lifecycle hook ${run.hookId} timed out at ${stage}.`);
      else scheduler.reconcileAfter(0);
    });
  }
}

/** Whether every hook of the current stage entry let the deployment go on. */
export function hooksSettled(record: ServiceDeploymentRecord): boolean {
  return record.hooks
    .filter((run) => run.entry === record.stageEntry)
    .every((run) => run.status === 'SUCCEEDED' || (run.status === 'TIMED_OUT' && run.timeoutAction === 'CONTINUE'));
}

/** Ends every hook still awaiting action with `status`. */
export function continueHooks(record: ServiceDeploymentRecord, status: HookRun['status']): void {
  for (const run of record.hooks) if (run.status === 'AWAITING_ACTION') run.status = status;
}

/** The hook ContinueServiceDeployment names, if it is awaiting action. */
export function awaitingHook(record: ServiceDeploymentRecord, hookId: string): HookRun | undefined {
  return record.hooks.find((run) => run.hookId === hookId && run.status === 'AWAITING_ACTION');
}
