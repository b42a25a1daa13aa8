import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ErrorNames } from '../lambdas/shared/contracts/errors';
import { reportStep } from './report-step';
import { rollbackBranch } from './rollback-branch';
import { scheduledTasksMap } from './scheduled-tasks-map';
import { ERROR_PATH, updateStrategyIsNone } from './state-data';
import { StateNames as S } from './state-names';
import type { StepName } from './step-function';
import { failureEndings, notifyAborted } from './terminal-states';
import { verifyAndDrain } from './verify-and-drain';
import { type WorkflowStep, workflowTask } from './workflow-task';

export interface WorkflowDefinitionProps {
  readonly steps: Record<StepName, WorkflowStep>;
  /** Deploy Services' and Roll Back Services' MaxConcurrency. */
  readonly serviceConcurrency: number;
  /** Update/Roll Back Scheduled Tasks' MaxConcurrency. */
  readonly ruleConcurrency: number;
}

const $ = sfn.JsonPath;

/**
 * The gehen-deploy graph, JSONPath only. State data between steps is always
 * `{ plan, deployed, scheduled }` plus the current poll loop's `expect` and `round`; Map
 * iterations get only their item and the deployment context.
 *
 * Prepare → Anything To Deploy? → Update Scheduled Tasks → Update Services? → Deploy Services →
 * verify → drain → Report → Deployed; any failure on the way goes to Roll Back?.
 */
export class WorkflowDefinition extends Construct {
  readonly startState: sfn.IChainable;

  constructor(scope: Construct, id: string, props: WorkflowDefinitionProps) {
    super(scope, id);
    const task = workflowTask(this, props.steps);
    const endings = failureEndings(this, task);
    const rollBack = rollbackBranch(this, {
      task,
      endings,
      serviceConcurrency: props.serviceConcurrency,
      ruleConcurrency: props.ruleConcurrency,
    });

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
      .addCatch(endings.concurrent, { errors: [ErrorNames.concurrentDeployment], resultPath: ERROR_PATH })
      // InvalidDeploymentError and anything else (retries exhausted, a timeout): nothing was changed.
      .addCatch(endings.invalid, { resultPath: ERROR_PATH });

    // A push with nothing to deploy ends at once, successfully, saying why.
    const reportSkipped = reportStep(this, {
      task,
      names: {
        report: S.reportSkipped,
        withoutDetails: S.reportSkippedWithoutDetails,
        release: S.releaseLockSkipped,
        notify: S.notifySkipped,
        succeed: S.skipped,
      },
      status: 'skipped',
    });

    const updateScheduledTasks = scheduledTasksMap(this, {
      name: S.updateScheduledTasks,
      iterationName: S.updateScheduledTask,
      mode: 'deploy',
      resultPath: '$.scheduled',
      concurrency: props.ruleConcurrency,
      task,
    }).addCatch(rollBack, { resultPath: ERROR_PATH });

    // A failed iteration stops the Map, but the Lambdas of the others run on (up to their timeout)
    // and a deploy UpdateService can land after Roll Back Service's last read: nothing would undo
    // it. Waiting out Update Service's timeout first means every deploy write has landed or never
    // will before the rollback reads. Running iterations are aborted
    // (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html), but aborting a
    // Task does not stop its Lambda invocation
    // (https://repost.aws/questions/QUZ1kPB3rSTN-CY1nPmPkeIw/lambda-function-behavior-after-step-functions-task-state-timeout).
    const waitForDeployWrites = new sfn.Wait(this, S.waitForDeployWrites, {
      time: sfn.WaitTime.duration(props.steps['update-service'].timeout),
    }).next(rollBack);
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
      .addCatch(waitForDeployWrites, { resultPath: ERROR_PATH });

    // Deploy: verify the new version, let the old one drain, report. Each state is built with where
    // it goes next, so these are built from the end.
    const report = reportStep(this, {
      task,
      names: {
        report: S.report,
        withoutDetails: S.reportWithoutDetails,
        release: S.releaseLockDeployed,
        notify: S.notifyDeployed,
        succeed: S.deployed,
      },
      status: 'deployed',
      cleanUp: { choice: S.cleanUpChoice, task: S.cleanUpRevisions },
    });
    const verify = verifyAndDrain(this, {
      task,
      expect: 'new',
      verify: { start: S.startVerify, wait: S.waitVerify, choice: S.verifyChoice, probe: S.probe },
      drain: { start: S.startDrain, wait: S.waitDrain, choice: S.drainChoice, check: S.checkDrain },
      onDrained: report,
      onFailed: rollBack,
      onVerifyExpired: rollBack,
      onDrainExpired: endings.drainTimedOut,
    });

    const updateServices = new sfn.Choice(this, S.strategyChoice)
      .when(
        updateStrategyIsNone(),
        new sfn.Pass(this, S.skipServiceUpdates, { result: sfn.Result.fromArray([]), resultPath: '$.deployed' }).next(
          verify,
        ),
      )
      .otherwise(deployServices);

    prepare.next(
      new sfn.Choice(this, S.skipChoice)
        .when(sfn.Condition.isPresent('$.plan.skipped'), reportSkipped)
        // A restore: tell of the abort, then roll back everything the aborted execution planned.
        .when(sfn.Condition.isPresent('$.plan.restoreOf'), notifyAborted(task, rollBack))
        .otherwise(updateScheduledTasks),
    );
    updateScheduledTasks.next(updateServices);
    deployServices.next(verify);

    this.startState = prepare;
  }
}
