import type { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { FailureOutcome } from '../lambdas/notify/core';
import { ErrorNames, FailureCodes } from '../lambdas/shared/errors';
import { pollLoop } from './poll-loop';
import { StateNames as S } from './state-names';
import type { StepName } from './step-function';
import { stepTask } from './step-task';

export interface WorkflowStep {
  readonly fn: IFunction;
  readonly timeout: Duration;
}

export interface WorkflowDefinitionProps {
  readonly steps: Record<StepName, WorkflowStep>;
  /** Deploy Services' and Roll Back Services' MaxConcurrency. */
  readonly serviceConcurrency: number;
  /** Update/Roll Back Scheduled Tasks' MaxConcurrency. */
  readonly ruleConcurrency: number;
}

const $ = sfn.JsonPath;

const ERROR = '$.error';
const LAMBDA_CAUSE = '$.error.Cause';
/** Where the rollback routes record how the services' rollback ended, for Rollback Outcome?. */
const ROLLBACK_OUTCOME = '$.rollbackOutcome';
type RollbackOutcome = 'rolled-back' | 'failed' | 'timed-out';

/**
 * The gehen-deploy graph, JSONPath only. State data between steps is always
 * `{ plan, deployed, scheduled }` plus the current poll loop's `expect` and `round`; Map
 * iterations get only their item and the deployment context.
 */
export class WorkflowDefinition extends Construct {
  readonly startState: sfn.IChainable;

  constructor(scope: Construct, id: string, props: WorkflowDefinitionProps) {
    super(scope, id);
    const task = (
      name: string,
      step: StepName,
      options: Omit<Parameters<typeof stepTask>[2], 'fn' | 'functionTimeout'> = {},
    ) => stepTask(this, name, { fn: props.steps[step].fn, functionTimeout: props.steps[step].timeout, ...options });
    // Before every terminal state, Notify puts the outcome on the default bus. It leaves the state
    // as it is (the Fail states read $.error.Cause; the Succeed states' output is the report), and
    // whatever goes wrong with it, the execution still ends in the terminal state it was going to.
    const notifyThen = (name: string, terminal: sfn.State, failure?: FailureOutcome): sfn.IChainable => {
      const payload = failure
        ? sfn.TaskInput.fromObject({
            failure,
            executionArn: $.stringAt('$$.Execution.Id'),
            state: $.entirePayload,
          })
        : sfn.TaskInput.fromObject({ report: $.entirePayload });
      const notify = task(name, 'notify', { payload, resultPath: $.DISCARD });
      notify.addCatch(terminal, { resultPath: $.DISCARD });
      return notify.next(terminal);
    };
    const fail = (
      name: string,
      notifyName: string,
      error: string,
      status: FailureOutcome['status'],
      cause: { cause?: string; causePath?: string },
    ) =>
      notifyThen(notifyName, new sfn.Fail(this, name, { error, ...cause }), {
        code: error,
        status,
        ...(cause.cause === undefined ? {} : { cause: cause.cause }),
      });

    // Terminal states: their Error is what the CLI maps to an exit code. Each is reached through
    // its Notify state.
    const invalid = fail(S.invalid, S.notifyInvalid, FailureCodes.invalidDeployment, 'failed', {
      causePath: LAMBDA_CAUSE,
    });
    const concurrent = fail(S.concurrent, S.notifyConcurrent, FailureCodes.concurrentDeployment, 'failed', {
      causePath: LAMBDA_CAUSE,
    });
    const rolledBack = fail(S.rolledBack, S.notifyRolledBack, FailureCodes.rolledBack, 'rolled-back', {
      cause: 'The deployment failed; services and scheduled tasks are back on their previous task definitions.',
    });
    const rollbackFailed = fail(S.rollbackFailed, S.notifyRollbackFailed, FailureCodes.rollbackFailed, 'failed', {
      cause: 'Rolling back failed: see the failed step in the execution history. Services may run either version.',
    });
    const verifyFailed = fail(S.verifyFailed, S.notifyVerifyFailed, FailureCodes.verifyFailed, 'failed', {
      cause: 'The new version did not become live (updateStrategy none: nothing is rolled back).',
    });
    const drainTimedOut = fail(S.drainTimedOut, S.notifyDrainTimedOut, FailureCodes.drainTimedOut, 'timed-out', {
      cause: 'The new version is live but the old one had not drained by the deadline.',
    });
    const rollbackTimedOut = fail(
      S.rollbackTimedOut,
      S.notifyRollbackTimedOut,
      FailureCodes.rollbackTimedOut,
      'timed-out',
      { cause: 'The rollback had not finished by the deadline: services may still run either version.' },
    );

    // Roll back: services, then the same verify and drain loops expecting the previous SHA. Every
    // way out of that (done, failed, expired, an error) records its outcome at $.rollbackOutcome and
    // goes through the one Roll Back Scheduled Tasks Map, so no route leaves a rule on the failed
    // image; Rollback Outcome? then picks the terminal state. Putting the rules back may itself
    // fail: that ends in Rollback Failed, whatever the services' outcome was.
    const outcomeIs = (outcome: RollbackOutcome) => sfn.Condition.stringEquals(ROLLBACK_OUTCOME, outcome);
    const rollbackOutcome = new sfn.Choice(this, S.rollbackOutcomeChoice)
      .when(outcomeIs('rolled-back'), rolledBack)
      .when(outcomeIs('timed-out'), rollbackTimedOut)
      .otherwise(rollbackFailed);
    const rollBackScheduledTasks = this.scheduledTasksMap(S.rollBackScheduledTasks, S.rollBackScheduledTask, {
      mode: 'rollback',
      resultPath: '$.scheduledRollback',
      concurrency: props.ruleConcurrency,
      task,
    });
    rollBackScheduledTasks.addCatch(rollbackFailed, { resultPath: ERROR }).next(rollbackOutcome);
    const record = (name: string, outcome: RollbackOutcome): sfn.Pass => {
      const pass = new sfn.Pass(this, name, { result: sfn.Result.fromString(outcome), resultPath: ROLLBACK_OUTCOME });
      pass.next(rollBackScheduledTasks);
      return pass;
    };
    const servicesRolledBack = record(S.recordRolledBack, 'rolled-back');
    const servicesRollbackFailed = record(S.recordRollbackFailed, 'failed');
    const servicesRollbackTimedOut = record(S.recordRollbackTimedOut, 'timed-out');

    const drainRollback = pollLoop(this, {
      names: { start: S.startDrainRollback, wait: S.waitDrainRollback, choice: S.drainRollbackChoice },
      expect: 'previous',
      task: (payload) => task(S.checkDrainRollback, 'check-drain', { payload, resultPath: '$.round' }),
      onDone: servicesRolledBack,
      onFailed: servicesRollbackFailed,
      onExpired: servicesRollbackTimedOut,
      onError: servicesRollbackFailed,
    });
    const verifyRollback = pollLoop(this, {
      names: { start: S.startVerifyRollback, wait: S.waitVerifyRollback, choice: S.verifyRollbackChoice },
      expect: 'previous',
      task: (payload) => task(S.probeRollback, 'probe', { payload, resultPath: '$.round' }),
      onDone: drainRollback,
      onFailed: servicesRollbackFailed,
      onExpired: servicesRollbackTimedOut,
      onError: servicesRollbackFailed,
    });
    const rollBackServices = new sfn.Map(this, S.rollBackServices, {
      itemsPath: '$.plan.services',
      itemSelector: { service: $.stringAt('$$.Map.Item.Value'), deployment: $.objectAt('$.plan.deployment') },
      maxConcurrency: props.serviceConcurrency,
      // The results are in the history; the rollback's verify loop reads the plan.
      resultPath: $.DISCARD,
    })
      .itemProcessor(task(S.rollBackService, 'roll-back'))
      .addCatch(servicesRollbackFailed, { resultPath: ERROR });
    rollBackServices.next(verifyRollback);

    // updateStrategy none changes no service: a failed verify is reported, not rolled back (as
    // the original), but scheduled tasks it changed before an error are put back.
    const strategyNone = sfn.Condition.stringEquals('$.plan.deployment.updateStrategy', 'none');
    const rollBack = new sfn.Choice(this, S.rollbackChoice)
      .when(sfn.Condition.and(strategyNone, sfn.Condition.isPresent(ERROR)), servicesRolledBack)
      .when(strategyNone, verifyFailed)
      .otherwise(rollBackServices);

    // Deploy: verify the new version, let the old one drain, report.
    const reportPayload = sfn.TaskInput.fromObject({
      plan: $.objectAt('$.plan'),
      deployed: $.listAt('$.deployed'),
      scheduled: $.listAt('$.scheduled'),
      executionArn: $.stringAt('$$.Execution.Id'),
    });
    // A Report step that fails after its retries must not turn a finished deployment into a raw
    // Lambda error (CLI exit 1, no notification): the services run the new version and the old one
    // has drained. Its Catch ends as Deployed all the same, with a report that has no per-service
    // lists (the CLI reads those from the history; the Report step's error stays in it).
    const report = task(S.report, 'report', { payload: reportPayload });
    const deployedEnd = notifyThen(S.notifyDeployed, new sfn.Succeed(this, S.deployed));
    report.addCatch(this.reportWithoutDetails(S.reportWithoutDetails, 'deployed').next(deployedEnd), {
      resultPath: ERROR,
    });
    report.next(deployedEnd);
    const drain = pollLoop(this, {
      names: { start: S.startDrain, wait: S.waitDrain, choice: S.drainChoice },
      expect: 'new',
      task: (payload) => task(S.checkDrain, 'check-drain', { payload, resultPath: '$.round' }),
      onDone: report,
      onFailed: rollBack,
      onExpired: drainTimedOut,
      onError: rollBack,
    });
    const verify = pollLoop(this, {
      names: { start: S.startVerify, wait: S.waitVerify, choice: S.verifyChoice },
      expect: 'new',
      task: (payload) => task(S.probe, 'probe', { payload, resultPath: '$.round' }),
      onDone: drain,
      onFailed: rollBack,
      onExpired: rollBack,
      onError: rollBack,
    });

    const deployServices = new sfn.Map(this, S.deployServices, {
      itemsPath: '$.plan.services',
      itemSelector: { service: $.stringAt('$$.Map.Item.Value'), deployment: $.objectAt('$.plan.deployment') },
      // RegisterTaskDefinition is throttled at about one call a second per account.
      maxConcurrency: props.serviceConcurrency,
      resultPath: '$.deployed',
    })
      .itemProcessor(
        task(S.registerTaskDefinition, 'register-task-definition', { resultPath: '$.registration' }).next(
          task(S.updateService, 'update-service'),
        ),
      )
      .addCatch(rollBack, { resultPath: ERROR });
    deployServices.next(verify);

    const updateServices = new sfn.Choice(this, S.strategyChoice)
      .when(
        strategyNone,
        new sfn.Pass(this, S.skipServiceUpdates, { result: sfn.Result.fromArray([]), resultPath: '$.deployed' }).next(
          verify,
        ),
      )
      .otherwise(deployServices);

    const updateScheduledTasks = this.scheduledTasksMap(S.updateScheduledTasks, S.updateScheduledTask, {
      mode: 'deploy',
      resultPath: '$.scheduled',
      concurrency: props.ruleConcurrency,
      task,
    }).addCatch(rollBack, { resultPath: ERROR });
    updateScheduledTasks.next(updateServices);

    // Prepare changes nothing: its typed errors end the execution with the Lambda's message.
    const prepare = task(S.prepare, 'prepare', {
      payload: sfn.TaskInput.fromObject({
        execution: $.objectAt('$$.Execution.Input'),
        executionArn: $.stringAt('$$.Execution.Id'),
      }),
      // The execution input stays in $$.Execution.Input: the state starts as the plan alone.
      // No ResultPath: the default ('$') replaces the state; aws-local-stepfunctions mishandles an explicit '$'.
      resultSelector: { plan: $.objectAt('$'), deployed: [], scheduled: [] },
    })
      .addCatch(concurrent, { errors: [ErrorNames.concurrentDeployment], resultPath: ERROR })
      // InvalidDeploymentError and anything else (retries exhausted, a timeout): nothing was changed.
      .addCatch(invalid, { resultPath: ERROR });

    // A push with nothing to deploy ends at once, successfully, saying why.
    const reportSkipped = task(S.reportSkipped, 'report', { payload: reportPayload });
    const skippedEnd = notifyThen(S.notifySkipped, new sfn.Succeed(this, S.skipped));
    reportSkipped.addCatch(this.reportWithoutDetails(S.reportSkippedWithoutDetails, 'skipped').next(skippedEnd), {
      resultPath: ERROR,
    });
    reportSkipped.next(skippedEnd);
    prepare.next(
      new sfn.Choice(this, S.skipChoice)
        .when(sfn.Condition.isPresent('$.plan.skipped'), reportSkipped)
        .otherwise(updateScheduledTasks),
    );

    this.startState = prepare;
  }

  /**
   * The report of a deployment whose Report step failed: the DeploymentReport shape without the
   * per-service and per-rule lists, so Notify and the Succeed state still say what happened.
   */
  private reportWithoutDetails(name: string, status: 'deployed' | 'skipped'): sfn.Pass {
    return new sfn.Pass(this, name, {
      parameters: {
        execution: $.stringAt('$$.Execution.Id'),
        status,
        gitsha: $.stringAt('$.plan.deployment.gitsha'),
        ...(status === 'skipped' ? { reason: $.stringAt('$.plan.skipped') } : {}),
        services: [],
        scheduledTasks: [],
      },
    });
  }

  private scheduledTasksMap(
    name: string,
    iterationName: string,
    options: {
      mode: 'deploy' | 'rollback';
      resultPath: string;
      concurrency: number;
      task: (name: string, step: StepName) => sfn.IChainable;
    },
  ): sfn.Map {
    return new sfn.Map(this, name, {
      itemsPath: '$.plan.scheduledTasks',
      itemSelector: {
        rule: $.stringAt('$$.Map.Item.Value'),
        deployment: $.objectAt('$.plan.deployment'),
        mode: options.mode,
      },
      maxConcurrency: options.concurrency,
      resultPath: options.resultPath,
    }).itemProcessor(options.task(iterationName, 'update-scheduled-task'));
  }
}
