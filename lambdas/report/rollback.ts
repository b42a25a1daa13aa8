import type {
  HeldRollback,
  NotRestored,
  PlannedService,
  RollbackResult,
  RoundState,
  ScheduledTaskResult,
} from '../shared/contracts/state';
import {
  notRestoredRules,
  notRestoredServices,
  rollbackFailedMessage,
  shortReason,
} from '../shared/report/rollback-summary';

/**
 * The two bookkeeping steps of the rollback, run by the report function (pure, no AWS calls):
 * Check Rolled Back Services after Roll Back Services, Summarise Rollback before Rollback Outcome?.
 */

/** The state data on the rollback route (the fields these steps read; the rest is passed on). */
export interface RollbackState {
  plan: { services: PlannedService[]; scheduledTasks: unknown[] } & Record<string, unknown>;
  rollback?: RollbackResult[];
  notRestored?: NotRestored[];
  leftServices?: PlannedService[];
  heldRollbacks?: HeldRollback[];
  scheduledRollback?: ScheduledTaskResult[];
  rollbackOutcome?: 'rolled-back' | 'failed' | 'timed-out';
  round?: RoundState | null;
  error?: { Error?: string; Cause?: string };
  [key: string]: unknown;
}

/**
 * Check Rolled Back Services: the services that could not be put back leave the plan the
 * rollback's verify and drain rounds read (they would wait for a revision that never comes, and
 * the others would never be verified); they are kept at `leftServices`, named at `notRestored`.
 * Moved, not copied, so the state does not grow. In a gated deployment, the deployments Roll Back
 * Service started with UpdateService are listed at `heldRollbacks`: they pause at the gate's PAUSE
 * hook, and Release Rollback At Hooks continues them (absent: there are none, or no gate).
 */
export function checkRolledBackServices(state: RollbackState): RollbackState {
  const { rollback = [], heldRollbacks: _, ...rest } = state;
  const left = new Set(rollback.filter((r) => !r.restored).map((r) => r.name));
  const held =
    state.plan.gate != null
      ? rollback.flatMap((r): HeldRollback[] =>
          r.restored && r.serviceDeploymentArn ? [{ name: r.name, serviceDeploymentArn: r.serviceDeploymentArn }] : [],
        )
      : [];
  return {
    ...rest,
    plan: { ...state.plan, services: state.plan.services.filter((s) => !left.has(s.name)) },
    leftServices: state.plan.services.filter((s) => left.has(s.name)),
    notRestored: notRestoredServices(rollback),
    ...(held.length > 0 && { heldRollbacks: held }),
  };
}

/**
 * Summarise Rollback's output, which replaces the state: the summary at `rollbackResult`, and the
 * services not restored moved into it from `notRestored` (not copied: the state does not grow).
 */
export function summariseRollbackState(state: RollbackState): RollbackState {
  const { notRestored: _, ...rest } = state;
  return { ...rest, rollbackResult: summariseRollback(state) };
}

export interface RollbackSummary {
  outcome: 'rolled-back' | 'failed' | 'timed-out';
  /** Rollback Failed's Cause: every service and rule not restored, and what each runs now. */
  message: string;
  notRestored: NotRestored[];
}

/**
 * Summarise Rollback: anything not restored makes the rollback failed, whatever the restored
 * services did. Without Roll Back Scheduled Tasks' results (the Map itself failed, its error at
 * $.error) no rule is known to be back.
 */
export function summariseRollback(state: RollbackState): RollbackSummary {
  const rules =
    state.scheduledRollback !== undefined
      ? notRestoredRules(state.scheduledRollback)
      : (state.plan.scheduledTasks as Array<{ rule: string }>).map(
          (r): NotRestored => ({
            kind: 'scheduled-task',
            name: r.rule,
            taskDefinition: null,
            reason: shortReason(state.error?.Error ?? 'Roll Back Scheduled Tasks failed'),
          }),
        );
  const notRestored = [...(state.notRestored ?? []), ...rules];
  const outcome = notRestored.length > 0 ? 'failed' : (state.rollbackOutcome ?? 'failed');
  const message =
    outcome === 'failed' ? rollbackFailedMessage(notRestored, state.round ?? null) : `The rollback ended ${outcome}.`;
  return { outcome, message, notRestored };
}
