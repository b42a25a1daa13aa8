import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { WaitKind } from '../../lambdas/shared/event-wait';
import { StateNames as S } from '../state-names';
import type { WorkflowStep } from './task';

/**
 * How many poll intervals the event wait waits at most: the safety-net poll. At the defaults
 * (pollIntervalSeconds 15) a drain round without an ECS event comes every 60 s instead of every
 * 15 s; an event ends the wait at once (docs/design.md, "Waiting on ECS events").
 */
export const SAFETY_NET_INTERVALS = 4;

/** Where the start Pass keeps the safety net's seconds: the Task's TimeoutSecondsPath. */
export const EVENT_WAIT_SECONDS_PATH = '$.eventWaitSeconds';

/** `SAFETY_NET_INTERVALS × pollIntervalSeconds`, as an intrinsic (ASL has MathAdd, no multiply). */
export function safetyNetSeconds(): string {
  const poll = '$.plan.deployment.pollIntervalSeconds';
  const double = `States.MathAdd(${poll}, ${poll})`;
  return `States.MathAdd(${double}, ${double})`;
}

/** The plain Wait each event wait falls back to when its park fails. */
const FALLBACK_WAITS: Record<string, string> = {
  [S.waitDrain]: S.pollDrain,
  [S.waitDrainRollback]: S.pollDrainRollback,
  [S.waitGateHooks]: S.pollGateHooks,
  [S.waitReleaseRollback]: S.pollReleaseRollback,
};

export function fallbackWaitName(wait: string): string {
  const name = FALLBACK_WAITS[wait];
  if (!name) throw new Error(`no fallback Wait is named for the event wait ${wait} (lib/state-names.ts)`);
  return name;
}

export interface EventWaitProps {
  /** The Park Wait step's function. */
  readonly park: WorkflowStep;
  /** What the loop waits for: it decides which ECS events end the wait (lambdas/wake). */
  readonly kind: WaitKind;
  /** The `.waitForTaskToken` Task's name (the loop's wait). */
  readonly name: string;
  /** The plain Wait a failed park falls back to. */
  readonly pollName: string;
  /** The round's Task: where every way out of the wait goes. */
  readonly round: sfn.IChainable;
}

/**
 * The drain loops' wait, and the gate loop's while services are not paused yet: a `lambda:invoke.waitForTaskToken` Task whose function parks its token
 * for the services the last check round still waits for (lambdas/park-wait); Wake (lambdas/wake,
 * the target of the `aws.ecs` rule, ../event-wait-rule.ts) ends it when every one of them has
 * reported its deciding event, or at once on a failure: one round then decides them all. TimeoutSeconds is the
 * safety-net poll: a States.Timeout goes on to the next check round as the Wait did. A park that
 * fails outright (its Lambda, DynamoDB) falls back to the plain Wait of `pollIntervalSeconds`:
 * the loop then polls as before, and never spins.
 * https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token
 */
export function eventWait(scope: Construct, props: EventWaitProps): LambdaInvoke {
  const park = new LambdaInvoke(scope, props.name, {
    lambdaFunction: props.park.fn,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({
      taskToken: sfn.JsonPath.taskToken,
      executionArn: sfn.JsonPath.stringAt('$$.Execution.Id'),
      kind: props.kind,
      plan: { services: sfn.JsonPath.listAt('$.plan.services') },
      // The check round it follows: its `pending` services are the ones parked.
      round: sfn.JsonPath.objectAt('$.round'),
      waitSeconds: sfn.JsonPath.numberAt(EVENT_WAIT_SECONDS_PATH),
    }),
    // What woke it (Wake's output), or the timeout: kept for the history, not read by the check.
    resultPath: '$.wake',
    taskTimeout: sfn.Timeout.at(EVENT_WAIT_SECONDS_PATH),
  });
  const poll = new sfn.Wait(scope, props.pollName, {
    time: sfn.WaitTime.secondsPath('$.plan.deployment.pollIntervalSeconds'),
  });
  park.addCatch(props.round, { errors: [sfn.Errors.TIMEOUT], resultPath: '$.wake' });
  park.addCatch(poll.next(props.round), { resultPath: '$.wake' });
  park.next(props.round);
  return park;
}
