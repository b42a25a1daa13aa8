import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { StateNames as S } from '../state-names';
import type { FailureEndings } from '../terminal-states';
import { pollLoop, verifyAndDrain } from './poll-loops';
import { scheduledTasksMap } from './scheduled-tasks-map';
import { ERROR_PATH, updateStrategyIsNone } from './state-data';
import type { WorkflowTask } from './task';

const $ = sfn.JsonPath;

/** Where the rollback routes record how the services' rollback ended, for Summarise Rollback. */
const ROLLBACK_OUTCOME = '$.rollbackOutcome';
/** Summarise Rollback's verdict: outcome, Rollback Failed's message, what was not restored. */
const ROLLBACK_RESULT = '$.rollbackResult';
const ROLLBACK_RESULT_OUTCOME = '$.rollbackResult.outcome';
/** The deploy's error, when a Catch sent it to the rollback. */
const DEPLOY_ERROR = '$.deployFailure.error';
type RollbackOutcome = 'rolled-back' | 'failed' | 'timed-out';

export interface RollbackBranchProps {
  readonly task: WorkflowTask;
  readonly endings: FailureEndings;
  /** Roll Back Services' MaxConcurrency. */
  readonly serviceConcurrency: number;
  /** Roll Back Scheduled Tasks' MaxConcurrency. */
  readonly ruleConcurrency: number;
}

/**
 * Roll Back?, where every failure of the deploy goes with its error (if any) at $.error.
 *
 * Roll back: services, then the same verify and drain loops expecting the previous SHA. Every
 * way out of that (done, failed, expired, an error) records its outcome at $.rollbackOutcome and
 * goes through the one Roll Back Scheduled Tasks Map, so no route leaves a rule on the failed
 * image; Rollback Outcome? then picks the terminal state. Putting the rules back may itself
 * fail: that ends in Rollback Failed, whatever the services' outcome was.
 */
export function rollbackBranch(scope: Construct, props: RollbackBranchProps): sfn.Choice {
  const { task, endings } = props;
  const outcomeIs = (outcome: RollbackOutcome) => sfn.Condition.stringEquals(ROLLBACK_RESULT_OUTCOME, outcome);
  const rollbackOutcome = new sfn.Choice(scope, S.rollbackOutcomeChoice)
    .when(outcomeIs('rolled-back'), endings.rolledBack)
    .when(outcomeIs('timed-out'), endings.rollbackTimedOut)
    .otherwise(endings.rollbackFailed);
  // Every service and rule not restored, and what each runs now: Rollback Failed's Cause. The
  // step returns the whole state, `notRestored` moved into `rollbackResult` (not copied), so no
  // ResultPath: the default replaces the state (aws-local-stepfunctions mishandles an explicit '$').
  const summarise = task(S.summariseRollback, 'report', {
    payload: sfn.TaskInput.fromObject({ action: 'summarise-rollback', state: $.entirePayload }),
  });
  summarise
    .addCatch(
      new sfn.Pass(scope, S.recordRollbackUnknown, {
        result: sfn.Result.fromObject({
          outcome: 'failed',
          message:
            'Rolling back failed: see the failed step in the execution history. Services may run either version.',
          notRestored: [],
        }),
        resultPath: ROLLBACK_RESULT,
      }).next(rollbackOutcome),
      { resultPath: ERROR_PATH },
    )
    .next(rollbackOutcome);
  const rollBackScheduledTasks = scheduledTasksMap(scope, {
    name: S.rollBackScheduledTasks,
    iterationName: S.rollBackScheduledTask,
    notRestoredName: S.recordRuleNotRestored,
    mode: 'rollback',
    resultPath: '$.scheduledRollback',
    concurrency: props.ruleConcurrency,
    task,
  });
  rollBackScheduledTasks.addCatch(summarise, { resultPath: ERROR_PATH }).next(summarise);
  const record = (name: string, outcome: RollbackOutcome): sfn.Pass => {
    const pass = new sfn.Pass(scope, name, { result: sfn.Result.fromString(outcome), resultPath: ROLLBACK_OUTCOME });
    pass.next(rollBackScheduledTasks);
    return pass;
  };
  const servicesRolledBack = record(S.recordRolledBack, 'rolled-back');
  const servicesRollbackFailed = record(S.recordRollbackFailed, 'failed');
  const servicesRollbackTimedOut = record(S.recordRollbackTimedOut, 'timed-out');

  const verifyRollback = verifyAndDrain(scope, {
    task,
    expect: 'previous',
    verify: {
      start: S.startVerifyRollback,
      wait: S.waitVerifyRollback,
      choice: S.verifyRollbackChoice,
      probe: S.probeRollback,
    },
    drain: {
      start: S.startDrainRollback,
      wait: S.waitDrainRollback,
      choice: S.drainRollbackChoice,
      check: S.checkDrainRollback,
    },
    onDrained: servicesRolledBack,
    onFailed: servicesRollbackFailed,
    onVerifyExpired: servicesRollbackTimedOut,
    onDrainExpired: servicesRollbackTimedOut,
    // Check Rolled Back Services wrote them; Notify and Summarise Rollback read them.
    carry: ['deployFailure', 'notRestored', 'leftServices'],
  });
  // Each service's rollback ends in a result, restored or not: one that fails never stops the
  // Map, so every other service is still put back (the step itself returns `restored: false` for
  // AWS errors; this Catch is for the step failing as a whole).
  const rollBackService = task(S.rollBackService, 'roll-back');
  rollBackService.addCatch(
    new sfn.CustomState(scope, S.recordServiceNotRestored, {
      stateJson: {
        Type: 'Pass',
        Parameters: {
          'name.$': '$.service.name',
          taskDefinition: null,
          rolledBack: false,
          restored: false,
          'reason.$': '$.error.Error',
        },
      },
    }),
    { resultPath: ERROR_PATH },
  );
  const checkRolledBack = task(S.checkRolledBackServices, 'report', {
    payload: sfn.TaskInput.fromObject({ action: 'check-rolled-back-services', state: $.entirePayload }),
  });
  // A gated deployment's services put back by UpdateService start new deployments, which pause at
  // the gate's PAUSE hook like any other: Release Rollback At Hooks continues them, once each is
  // checked to be gehen's own rollback to the previous revision (lambdas/gate/release-rollback.ts).
  // Its rounds wait on the hooks' events (HOOK_AWAITING_ACTION), as Check Gate's do.
  const releaseRollback = pollLoop(scope, {
    names: { start: S.startReleaseRollback, wait: S.waitReleaseRollback, choice: S.releaseRollbackChoice },
    expect: 'previous',
    task: (payload) =>
      task(S.releaseRollback, 'gate', {
        payload: sfn.TaskInput.fromObject({
          action: 'release-rollback',
          ...(payload.value as Record<string, unknown>),
          heldRollbacks: $.listAt('$.heldRollbacks'),
        }),
        resultPath: '$.round',
        // Run again, a round only continues what is still paused: ECS refuses a hook answered twice.
        retryCrashes: true,
      }),
    onDone: verifyRollback,
    onFailed: servicesRollbackFailed,
    onExpired: servicesRollbackTimedOut,
    onError: servicesRollbackFailed,
    carry: ['deployFailure', 'notRestored', 'leftServices', 'heldRollbacks'],
    waitOnEvents: { park: task.steps['park-wait'], kind: 'gate' },
  });
  const rollbackHeld = new sfn.Choice(scope, S.rollbackHeldChoice)
    .when(sfn.Condition.isPresent('$.heldRollbacks'), releaseRollback)
    .otherwise(verifyRollback);
  checkRolledBack.addCatch(servicesRollbackFailed, { resultPath: ERROR_PATH }).next(rollbackHeld);
  const rollBackServices = new sfn.Map(scope, S.rollBackServices, {
    itemsPath: '$.plan.services',
    itemSelector: {
      service: $.stringAt('$$.Map.Item.Value'),
      deployment: $.objectAt('$.plan.deployment'),
      // The results' reasons share a budget (docs/design.md, State size budget).
      services: $.arrayLength($.listAt('$.plan.services')),
    },
    maxConcurrency: props.serviceConcurrency,
    // One small result per service; Check Rolled Back Services folds them into the plan.
    resultPath: '$.rollback',
  })
    .itemProcessor(rollBackService)
    .addCatch(servicesRollbackFailed, { resultPath: ERROR_PATH });
  rollBackServices.next(checkRolledBack);

  // updateStrategy none changes no service: a failed verify is reported, not rolled back (as
  // the original), but scheduled tasks it changed before an error are put back.
  const strategyNone = updateStrategyIsNone();
  const rollBack = new sfn.Choice(scope, S.rollbackChoice)
    .when(sfn.Condition.and(strategyNone, sfn.Condition.isPresent(DEPLOY_ERROR)), servicesRolledBack)
    .when(strategyNone, endings.verifyFailed)
    .otherwise(rollBackServices);

  // Why the deployment failed, kept through the rollback (whose loops reset the state) for Notify:
  // a Catch's error, or the failed or expired round.
  const keep = (name: string, failure: Record<string, unknown>) =>
    new sfn.Pass(scope, name, {
      parameters: {
        plan: $.objectAt('$.plan'),
        deployed: $.listAt('$.deployed'),
        scheduled: $.listAt('$.scheduled'),
        deployFailure: failure,
        notRestored: [],
        leftServices: [],
      },
    }).next(rollBack);
  // A restore: why the other execution ended stands for the deploy's error (so strategy none still
  // puts the scheduled tasks back), and nothing of this execution was deployed.
  const abortError = { Error: $.stringAt('$.plan.restoreOf.error'), Cause: $.stringAt('$.plan.restoreOf.cause') };
  return new sfn.Choice(scope, S.failureKindChoice)
    .when(sfn.Condition.isPresent('$.plan.restoreOf'), keep(S.keepAbort, { error: abortError }))
    .when(sfn.Condition.isPresent(ERROR_PATH), keep(S.keepDeployError, { error: $.objectAt(ERROR_PATH) }))
    .otherwise(
      keep(S.keepDeployRound, { failures: $.listAt('$.round.failures'), status: $.stringAt('$.round.status') }),
    );
}
