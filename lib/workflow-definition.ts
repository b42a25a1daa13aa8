import type { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
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
    const fail = (name: string, error: string, cause: { cause?: string; causePath?: string }) =>
      new sfn.Fail(this, name, { error, ...cause });

    // Terminal states: their Error is what the CLI maps to an exit code.
    const invalid = fail(S.invalid, FailureCodes.invalidDeployment, { causePath: LAMBDA_CAUSE });
    const concurrent = fail(S.concurrent, FailureCodes.concurrentDeployment, { causePath: LAMBDA_CAUSE });
    const rolledBack = fail(S.rolledBack, FailureCodes.rolledBack, {
      cause: 'The deployment failed; services and scheduled tasks are back on their previous task definitions.',
    });
    const rollbackFailed = fail(S.rollbackFailed, FailureCodes.rollbackFailed, {
      cause: 'Rolling back failed: see the failed step in the execution history. Services may run either version.',
    });
    const verifyFailed = fail(S.verifyFailed, FailureCodes.verifyFailed, {
      cause: 'The new version did not become live (updateStrategy none: nothing is rolled back).',
    });
    const drainTimedOut = fail(S.drainTimedOut, FailureCodes.drainTimedOut, {
      cause: 'The new version is live but the old one had not drained by the deadline.',
    });
    const rollbackTimedOut = fail(S.rollbackTimedOut, FailureCodes.rollbackTimedOut, {
      cause: 'The rollback had not finished by the deadline: services may still run either version.',
    });

    // Roll back: services, the same verify and drain loops expecting the previous SHA, scheduled tasks.
    const rollBackScheduledTasks = this.scheduledTasksMap(S.rollBackScheduledTasks, S.rollBackScheduledTask, {
      mode: 'rollback',
      resultPath: '$.scheduledRollback',
      concurrency: props.ruleConcurrency,
      task,
    });
    rollBackScheduledTasks.addCatch(rollbackFailed, { resultPath: ERROR }).next(rolledBack);

    const drainRollback = pollLoop(this, {
      names: { start: S.startDrainRollback, wait: S.waitDrainRollback, choice: S.drainRollbackChoice },
      expect: 'previous',
      task: (payload) => task(S.checkDrainRollback, 'check-drain', { payload, resultPath: '$.round' }),
      onDone: rollBackScheduledTasks,
      onFailed: rollbackFailed,
      onExpired: rollbackTimedOut,
      onError: rollbackFailed,
    });
    const verifyRollback = pollLoop(this, {
      names: { start: S.startVerifyRollback, wait: S.waitVerifyRollback, choice: S.verifyRollbackChoice },
      expect: 'previous',
      task: (payload) => task(S.probeRollback, 'probe', { payload, resultPath: '$.round' }),
      onDone: drainRollback,
      onFailed: rollbackFailed,
      onExpired: rollbackTimedOut,
      onError: rollbackFailed,
    });
    const rollBackServices = new sfn.Map(this, S.rollBackServices, {
      itemsPath: '$.plan.services',
      itemSelector: { service: $.stringAt('$$.Map.Item.Value'), deployment: $.objectAt('$.plan.deployment') },
      maxConcurrency: props.serviceConcurrency,
      // The results are in the history; the rollback's verify loop reads the plan.
      resultPath: $.DISCARD,
    })
      .itemProcessor(task(S.rollBackService, 'roll-back'))
      .addCatch(rollbackFailed, { resultPath: ERROR });
    rollBackServices.next(verifyRollback);

    // updateStrategy none changes no service: a failed verify is reported, not rolled back (as
    // the original), but scheduled tasks it changed before an error are put back.
    const strategyNone = sfn.Condition.stringEquals('$.plan.deployment.updateStrategy', 'none');
    const rollBack = new sfn.Choice(this, S.rollbackChoice)
      .when(sfn.Condition.and(strategyNone, sfn.Condition.isPresent(ERROR)), rollBackScheduledTasks)
      .when(strategyNone, verifyFailed)
      .otherwise(rollBackServices);

    // Deploy: verify the new version, let the old one drain, report.
    const report = task(S.report, 'report', {
      payload: sfn.TaskInput.fromObject({
        plan: $.objectAt('$.plan'),
        deployed: $.listAt('$.deployed'),
        scheduled: $.listAt('$.scheduled'),
      }),
    });
    report.next(new sfn.Succeed(this, S.deployed));
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
      .addCatch(rollBack, { errors: [ErrorNames.deploymentFailed], resultPath: ERROR })
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
    })
      .addCatch(rollBack, { errors: [ErrorNames.deploymentFailed], resultPath: ERROR })
      .addCatch(rollBack, { resultPath: ERROR });
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
      .addCatch(invalid, { errors: [ErrorNames.invalidDeployment], resultPath: ERROR })
      .addCatch(concurrent, { errors: [ErrorNames.concurrentDeployment], resultPath: ERROR });
    prepare.next(updateScheduledTasks);

    this.startState = prepare;
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
