import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { scheduledTasksMap } from './scheduled-tasks-map';
import { ERROR_PATH, updateStrategyIsNone } from './state-data';
import { StateNames as S } from './state-names';
import type { FailureEndings } from './terminal-states';
import { verifyAndDrain } from './verify-and-drain';
import type { WorkflowTask } from './workflow-task';

const $ = sfn.JsonPath;

/** Where the rollback routes record how the services' rollback ended, for Rollback Outcome?. */
const ROLLBACK_OUTCOME = '$.rollbackOutcome';
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
  const outcomeIs = (outcome: RollbackOutcome) => sfn.Condition.stringEquals(ROLLBACK_OUTCOME, outcome);
  const rollbackOutcome = new sfn.Choice(scope, S.rollbackOutcomeChoice)
    .when(outcomeIs('rolled-back'), endings.rolledBack)
    .when(outcomeIs('timed-out'), endings.rollbackTimedOut)
    .otherwise(endings.rollbackFailed);
  const rollBackScheduledTasks = scheduledTasksMap(scope, {
    name: S.rollBackScheduledTasks,
    iterationName: S.rollBackScheduledTask,
    mode: 'rollback',
    resultPath: '$.scheduledRollback',
    concurrency: props.ruleConcurrency,
    task,
  });
  rollBackScheduledTasks.addCatch(endings.rollbackFailed, { resultPath: ERROR_PATH }).next(rollbackOutcome);
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
  });
  const rollBackServices = new sfn.Map(scope, S.rollBackServices, {
    itemsPath: '$.plan.services',
    itemSelector: { service: $.stringAt('$$.Map.Item.Value'), deployment: $.objectAt('$.plan.deployment') },
    maxConcurrency: props.serviceConcurrency,
    // The results are in the history; the rollback's verify loop reads the plan.
    resultPath: $.DISCARD,
  })
    .itemProcessor(task(S.rollBackService, 'roll-back'))
    .addCatch(servicesRollbackFailed, { resultPath: ERROR_PATH });
  rollBackServices.next(verifyRollback);

  // updateStrategy none changes no service: a failed verify is reported, not rolled back (as
  // the original), but scheduled tasks it changed before an error are put back.
  const strategyNone = updateStrategyIsNone();
  return new sfn.Choice(scope, S.rollbackChoice)
    .when(sfn.Condition.and(strategyNone, sfn.Condition.isPresent(ERROR_PATH)), servicesRolledBack)
    .when(strategyNone, endings.verifyFailed)
    .otherwise(rollBackServices);
}
