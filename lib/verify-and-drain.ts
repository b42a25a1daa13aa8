import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { Expectation } from '../lambdas/shared/contracts/state';
import { type PollLoopNames, pollLoop } from './poll-loop';
import type { WorkflowTask } from './workflow-task';

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
