import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { Expectation } from '../../lambdas/shared/contracts/state';
import type { WaitKind } from '../../lambdas/shared/event-wait';
import { EVENT_WAIT_SECONDS_PATH, eventWait, fallbackWaitName, safetyNetSeconds } from './event-wait';
import type { StepTask, WorkflowStep, WorkflowTask } from './task';

export interface VerifyAndDrainProps {
  readonly task: WorkflowTask;
  /** The version that must become live: the new one on deploy, the previous one on rollback. */
  readonly expect: Expectation;
  /** The verify loop's states and its Probe Task's name. */
  readonly verify: PollLoopNames & { readonly probe: string };
  /** The drain loop's states and its Check Drain Task's name. */
  readonly drain: PollLoopNames & { readonly check: string };
  /** Where the workflow goes once the other version has drained. */
  readonly onDrained: sfn.IChainable;
  /** Where a failed round, or an error the Task's retries did not fix (at `$.error`), goes. */
  readonly onFailed: sfn.IChainable;
  readonly onVerifyExpired: sfn.IChainable;
  readonly onDrainExpired: sfn.IChainable;
  /** State fields the loops keep besides plan, deployed and scheduled. */
  readonly carry?: readonly string[];
}

/**
 * Verify (probe until the expected version is live) → drain (check until the other one has
 * drained): the two poll loops, as the deploy and the rollback both run them. Both rounds only
 * read, so a round whose function timed out or crashed is simply run again.
 */
export function verifyAndDrain(scope: Construct, props: VerifyAndDrainProps): sfn.CustomState {
  const { task, verify, drain } = props;
  const drainLoop = pollLoop(scope, {
    names: { start: drain.start, wait: drain.wait, choice: drain.choice },
    expect: props.expect,
    task: (payload) => task(drain.check, 'check-drain', { payload, resultPath: '$.round', retryCrashes: true }),
    onDone: props.onDrained,
    onFailed: props.onFailed,
    onExpired: props.onDrainExpired,
    onError: props.onFailed,
    carry: props.carry,
    // The drain waits on ECS alone: on its events, with a slow poll as the safety net.
    waitOnEvents: { park: task.steps['park-wait'], kind: 'drain' },
  });
  return pollLoop(scope, {
    names: { start: verify.start, wait: verify.wait, choice: verify.choice },
    expect: props.expect,
    task: (payload) => task(verify.probe, 'probe', { payload, resultPath: '$.round', retryCrashes: true }),
    onDone: drainLoop,
    onFailed: props.onFailed,
    onExpired: props.onVerifyExpired,
    onError: props.onFailed,
    carry: props.carry,
  });
}

/** The state names of one poll loop instance (verify or drain, for the deploy or the rollback). */
export interface PollLoopNames {
  readonly start: string;
  readonly wait: string;
  readonly choice: string;
}

export interface PollLoopProps {
  readonly names: PollLoopNames;
  readonly expect: Expectation;
  /** Makes the round's Task (Probe New Version, Check Drain, …) given its Payload. */
  readonly task: (payload: sfn.TaskInput) => StepTask;
  /** Where the loop goes when `$.round.status` is done, failed or expired. */
  readonly onDone: sfn.IChainable;
  readonly onFailed: sfn.IChainable;
  readonly onExpired: sfn.IChainable;
  /** Where an error the Task's retries did not fix goes, with the error at `$.error`. */
  readonly onError: sfn.IChainable;
  /** State fields the start Pass keeps besides plan, deployed and scheduled (each must be present). */
  readonly carry?: readonly string[];
  /**
   * Park Wait's step: the loop waits on ECS's events (./event-wait.ts) instead of a Wait.
   * @default - a Wait of pollIntervalSeconds
   */
  readonly waitOnEvents?: EventWaitOptions;
}

export interface EventWaitOptions {
  readonly park: WorkflowStep;
  readonly kind: WaitKind;
  /**
   * The event wait's name when the loop also keeps its plain Wait (`names.wait`): the round's
   * Choice then takes the event wait only while `$.round.pending` is present, the Wait otherwise
   * (the gate: services not paused yet wait on ECS, testUrls on HTTP).
   * @default - `names.wait` is the event wait, taken every round
   */
  readonly whilePending?: string;
}

/**
 * Start → Wait → Task → Choice, back to Wait until the round is done, failed or expired.
 * Built once and instantiated four times (verify and drain, for the deploy and the rollback).
 *
 * The start Pass resets the state to exactly `{ plan, deployed, scheduled, expect, round: null }`:
 * the step sets the deadline on the round that receives `round: null`, and reports `expired`
 * itself, so the deadline decision is a Choice branch without `$$.State.EnteredTime`.
 */
export function pollLoop(scope: Construct, props: PollLoopProps): sfn.CustomState {
  const { names } = props;
  // A CustomState because Pass drops null parameters, and `round: null` is the contract.
  const start = new sfn.CustomState(scope, names.start, {
    stateJson: {
      Type: 'Pass',
      Parameters: {
        'plan.$': '$.plan',
        'deployed.$': '$.deployed',
        'scheduled.$': '$.scheduled',
        ...Object.fromEntries((props.carry ?? []).map((key) => [`${key}.$`, `$.${key}`])),
        expect: props.expect,
        round: null,
        ...(props.waitOnEvents ? { [`${EVENT_WAIT_SECONDS_PATH.slice(2)}.$`]: safetyNetSeconds() } : {}),
      },
    },
  });
  const task = props.task(
    sfn.TaskInput.fromObject({
      plan: sfn.JsonPath.objectAt('$.plan'),
      deployed: sfn.JsonPath.listAt('$.deployed'),
      expect: sfn.JsonPath.stringAt('$.expect'),
      round: sfn.JsonPath.objectAt('$.round'),
    }),
  );
  task.addCatch(props.onError, { resultPath: '$.error' });
  const events = props.waitOnEvents;
  const eventWaitName = events && (events.whilePending ?? names.wait);
  const parked =
    events &&
    eventWaitName &&
    eventWait(scope, {
      park: events.park,
      kind: events.kind,
      name: eventWaitName,
      pollName: fallbackWaitName(eventWaitName),
      round: task,
    });
  const wait =
    parked && !events.whilePending
      ? parked
      : new sfn.Wait(scope, names.wait, {
          time: sfn.WaitTime.secondsPath('$.plan.deployment.pollIntervalSeconds'),
        }).next(task);
  const status = '$.round.status';
  const choice = new sfn.Choice(scope, names.choice)
    .when(sfn.Condition.stringEquals(status, 'done'), props.onDone)
    .when(sfn.Condition.stringEquals(status, 'failed'), props.onFailed)
    .when(sfn.Condition.stringEquals(status, 'expired'), props.onExpired);
  // In the same Choice, not one more: a polling round costs no more events than before.
  if (parked && events.whilePending) choice.when(sfn.Condition.isPresent('$.round.pending'), parked);
  choice.otherwise(wait);
  // An event wait checks first: ECS may have finished while the verify phase probed, and its
  // events, emitted before anyone parked, would not end the wait.
  start.next(props.waitOnEvents ? task : wait);
  task.next(choice);
  return start;
}
