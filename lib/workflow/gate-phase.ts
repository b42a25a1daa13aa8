import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { StateNames as S } from '../state-names';
import { pollLoop } from './poll-loops';
import { ERROR_PATH } from './state-data';
import { addTransientRetry, type WorkflowStep, type WorkflowTask } from './task';

const $ = sfn.JsonPath;

export interface GatePhaseProps {
  readonly task: WorkflowTask;
  /** The gate step's function: Await Approval invokes it with `.waitForTaskToken`. */
  readonly gateStep: WorkflowStep;
  /** Where the deployment goes once every service was continued: the verify phase. */
  readonly onContinued: sfn.IChainable;
  /** Where every failure goes (a failed or expired round at `$.round`, an error at `$.error`). */
  readonly onFailed: sfn.IChainable;
}

/**
 * The gate (docs/steps.md, The gate), between Deploy Services and verify:
 *
 * Start Gate → Check Gate → Every Service At Gate? → Wait For Hooks At Gate (services not paused
 * yet: an event wait, as the drain's) or Wait At Gate (testUrls alone) → Check Gate … →
 * Approval Needed? → [Await Approval] → Bake At Gate? → [Bake At Gate → Check Gate After Bake →
 * Gate Still Holds?] → Continue Gate → `onContinued`.
 *
 * Continue Gate is reached only when every service passed every check, and it continues all of
 * them or none: nothing reaches production before every service was checked. Every other way out
 * goes to `onFailed`, the rollback, which rolls each paused deployment back.
 */
export function gatePhase(scope: Construct, props: GatePhaseProps): sfn.IChainable {
  const { task, onFailed } = props;
  const gatePayload = (action: string, extra: Record<string, unknown> = {}) =>
    sfn.TaskInput.fromObject({
      action,
      plan: $.objectAt('$.plan'),
      deployed: $.listAt('$.deployed'),
      ...extra,
    });

  const continueGate = task(S.continueGate, 'gate', {
    payload: gatePayload('continue'),
    resultPath: $.DISCARD,
  });
  continueGate.addCatch(onFailed, { resultPath: ERROR_PATH }).next(props.onContinued);

  // After the bake, one more round, fresh (every testUrl probed again): a service that failed,
  // timed out or stopped answering while baking fails the gate; still waiting counts as failed.
  const checkAfterBake = task(S.checkGateAfterBake, 'gate', {
    // No round: a fresh one (a null would be dropped from the payload anyway).
    payload: gatePayload('check', { final: true }),
    resultPath: '$.round',
    retryCrashes: true,
  });
  checkAfterBake
    .addCatch(onFailed, { resultPath: ERROR_PATH })
    .next(
      new sfn.Choice(scope, S.gateHeldChoice)
        .when(sfn.Condition.stringEquals('$.round.status', 'done'), continueGate)
        .otherwise(onFailed),
    );
  const bake = new sfn.Choice(scope, S.bakeChoice)
    .when(
      sfn.Condition.numberGreaterThan('$.plan.gate.bakeSeconds', 0),
      new sfn.Wait(scope, S.bakeAtGate, { time: sfn.WaitTime.secondsPath('$.plan.gate.bakeSeconds') }).next(
        checkAfterBake,
      ),
    )
    .otherwise(continueGate);

  // The operator: `gehen approve` (SendTaskSuccess) goes on, `gehen reject` (SendTaskFailure) and
  // the phase timeout roll back. A Lambda task rather than events:putEvents.waitForTaskToken: the
  // token then stays in this execution's history (TaskScheduled), never in an event on the default
  // bus that every rule of the account may read; the Lambda puts a token-free request there.
  // https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token
  const awaitApproval = new LambdaInvoke(scope, S.awaitApproval, {
    lambdaFunction: props.gateStep.fn,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({
      action: 'request-approval',
      plan: $.objectAt('$.plan'),
      taskToken: $.taskToken,
    }),
    // The approver's output (who, why) is in the history's TaskSucceeded event; the state stays small.
    resultPath: $.DISCARD,
    taskTimeout: sfn.Timeout.at('$.plan.deployment.timeoutSeconds'),
  });
  addTransientRetry(awaitApproval);
  awaitApproval.addCatch(onFailed, { resultPath: ERROR_PATH }).next(bake);
  const approval = new sfn.Choice(scope, S.approvalChoice)
    .when(sfn.Condition.stringEquals('$.plan.gate.approval', 'manual'), awaitApproval)
    .otherwise(bake);

  return pollLoop(scope, {
    names: { start: S.startGate, wait: S.waitGate, choice: S.gateLoopChoice },
    expect: 'new',
    task: (payload) =>
      task(S.checkGate, 'gate', {
        // The loop's payload ({ plan, deployed, expect, round }) with the action.
        payload: sfn.TaskInput.fromObject({ action: 'check', ...(payload.value as Record<string, unknown>) }),
        resultPath: '$.round',
        retryCrashes: true,
      }),
    onDone: approval,
    onFailed,
    onExpired: onFailed,
    onError: onFailed,
    // Services not paused yet: their PAUSE hooks' events end the wait. Once every one is paused
    // and only testUrls are left, Wait At Gate polls them (HTTP: no event reports an answer).
    waitOnEvents: { park: task.steps['park-wait'], kind: 'gate', whilePending: S.waitGateHooks },
  });
}
