import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ErrorNames } from '../../lambdas/shared/contracts/errors';
import { StateNames as S } from '../state-names';
import type { StepName } from '../step-lambda';
import { failureEndings } from '../terminal-states';
import { notifyAborted, reportStep } from './endings';
import { gatePhase } from './gate-phase';
import { verifyAndDrain } from './poll-loops';
import { rollbackBranch } from './rollback';
import { scheduledTasksMap } from './scheduled-tasks-map';
import { ERROR_PATH, updateStrategyIsNone } from './state-data';
import { type WorkflowStep, workflowTask } from './task';

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
 * Read top to bottom: first where an execution can end and where every failure goes (each state
 * below names them), then the deploy from start to end:
 *
 * Prepare → Anything To Deploy? → Update Scheduled Tasks → Update Services? → Deploy Services →
 * Hold At Gate? → [the gate] → verify → drain → Report → Deployed; any failure on the way goes to
 * Roll Back? (./rollback.ts).
 *
 * The parts: ./task.ts (a Lambda step's Task, its timeout and retries), ./endings.ts (Report, Release
 * Lock, Notify), ../terminal-states.ts (the failure endings), ./poll-loops.ts (verify and drain),
 * ./scheduled-tasks-map.ts (the rules, deployed and rolled back), ./gate-phase.ts (the gate), ./rollback.ts.
 */
export class WorkflowDefinition extends Construct {
  readonly startState: sfn.IChainable;

  constructor(scope: Construct, id: string, props: WorkflowDefinitionProps) {
    super(scope, id);
    const task = workflowTask(this, props.steps);

    // Where an execution ends: Deployed, Nothing To Deploy (a push with nothing to deploy ends at
    // once, successfully, saying why), or one of the failures.
    const deployed = reportStep(this, {
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
    const nothingToDeploy = reportStep(this, {
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
    const endings = failureEndings(this, task);
    // Where every failure of the deploy goes, with its error (if any) at $.error.
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

    // Verify the new version, let the old one drain, report.
    const verify = verifyAndDrain(this, {
      task,
      expect: 'new',
      verify: { start: S.startVerify, wait: S.waitVerify, choice: S.verifyChoice, probe: S.probe },
      drain: { start: S.startDrain, wait: S.waitDrain, choice: S.drainChoice, check: S.checkDrain },
      onDrained: deployed,
      onFailed: rollBack,
      onVerifyExpired: rollBack,
      onDrainExpired: endings.drainTimedOut,
    });

    // The transitions, start to end. They are made last because CDK lists the definition's states
    // in the order their transitions were made (a state's predecessors first): made here, the
    // states keep the order the definition has always had.
    prepare.next(
      new sfn.Choice(this, S.skipChoice)
        .when(sfn.Condition.isPresent('$.plan.skipped'), nothingToDeploy)
        // A restore: tell of the abort, then roll back everything the aborted execution planned.
        .when(sfn.Condition.isPresent('$.plan.restoreOf'), notifyAborted(task, rollBack))
        .otherwise(updateScheduledTasks),
    );
    updateScheduledTasks.next(
      new sfn.Choice(this, S.strategyChoice)
        .when(
          updateStrategyIsNone(),
          new sfn.Pass(this, S.skipServiceUpdates, { result: sfn.Result.fromArray([]), resultPath: '$.deployed' }).next(
            verify,
          ),
        )
        .otherwise(deployServices),
    );
    // gehen.yml's gate: every service held at an ECS lifecycle stage until all of them passed.
    deployServices.next(
      new sfn.Choice(this, S.gateChoice)
        .when(
          sfn.Condition.isPresent('$.plan.gate'),
          gatePhase(this, { task, gateStep: props.steps.gate, onContinued: verify, onFailed: rollBack }),
        )
        .otherwise(verify),
    );

    this.startState = prepare;
  }
}
