import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { FailureOutcome } from '../lambdas/notify/core';
import { FailureCodes } from '../lambdas/shared/contracts/errors';
import { StateNames as S } from './state-names';
import type { WorkflowTask } from './workflow-task';

const $ = sfn.JsonPath;
const LAMBDA_CAUSE = '$.error.Cause';

/**
 * The failure endings, each Release Lock → Notify → Fail. Their Error is what the CLI maps to an exit code.
 */
export interface FailureEndings {
  readonly invalid: sfn.IChainable;
  readonly concurrent: sfn.IChainable;
  readonly rolledBack: sfn.IChainable;
  readonly rollbackFailed: sfn.IChainable;
  readonly verifyFailed: sfn.IChainable;
  readonly drainTimedOut: sfn.IChainable;
  readonly rollbackTimedOut: sfn.IChainable;
}

/** The Release Lock and Notify states before one terminal state. */
export interface EndingNames {
  readonly release: string;
  readonly notify: string;
}

/**
 * Release Lock, Notify, then `terminal`. Release Lock frees every service and rule this execution
 * holds in the deployment lock (none: nothing happens), so the next deployment of them may start
 * once this one has ended. Notify puts the outcome on the default bus. Both leave the state as it
 * is (the Fail states read $.error.Cause; the Succeed states' output is the report); whatever goes
 * wrong with either, the execution still ends in the terminal state it was going to (a lock not
 * released expires with its TTL).
 */
function endThen(
  task: WorkflowTask,
  names: EndingNames,
  terminal: sfn.State,
  failure?: FailureOutcome,
): sfn.IChainable {
  const release = task(names.release, 'release-lock', {
    payload: sfn.TaskInput.fromObject({ executionArn: $.stringAt('$$.Execution.Id') }),
    resultPath: $.DISCARD,
    // Idempotent: a second attempt after a crash releases what the first did not.
    retryCrashes: true,
  });
  const notify = notifyThen(task, names.notify, terminal, failure);
  release.addCatch(notify, { resultPath: $.DISCARD });
  return release.next(notify);
}

/** Notify, then `terminal`. */
function notifyThen(task: WorkflowTask, name: string, terminal: sfn.State, failure?: FailureOutcome): sfn.IChainable {
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
}

/**
 * A restore's first step: the `aborted` notification of the execution it restores (the aborted
 * one cannot send it: no state of it runs after a stop or an uncatchable error), then `next`.
 */
export function notifyAborted(task: WorkflowTask, next: sfn.IChainable): sfn.IChainable {
  const notify = task(S.notifyAborted, 'notify', {
    payload: sfn.TaskInput.fromObject({
      // Notify reads the aborted execution's own error (ABORTED, States.Timeout…) from the plan: a
      // nested path here is not resolved by the sandbox's runner (reported), and the plan has it anyway.
      failure: { code: 'ABORTED', status: 'aborted' },
      executionArn: $.stringAt('$.plan.restoreOf.executionArn'),
      state: $.entirePayload,
    }),
    resultPath: $.DISCARD,
  });
  notify.addCatch(next, { resultPath: $.DISCARD });
  return notify.next(next);
}

/** Release Lock, Notify, then the Succeed state `name`. */
export function succeedEnding(scope: Construct, task: WorkflowTask, names: EndingNames, name: string): sfn.IChainable {
  return endThen(task, names, new sfn.Succeed(scope, name));
}

export function failureEndings(scope: Construct, task: WorkflowTask): FailureEndings {
  const fail = (
    name: string,
    names: EndingNames,
    error: string,
    status: FailureOutcome['status'],
    cause: { cause?: string; causePath?: string },
  ) =>
    endThen(task, names, new sfn.Fail(scope, name, { error, ...cause }), {
      code: error,
      status,
      ...(cause.cause === undefined ? {} : { cause: cause.cause }),
    });
  return {
    invalid: fail(
      S.invalid,
      { release: S.releaseLockInvalid, notify: S.notifyInvalid },
      FailureCodes.invalidDeployment,
      'failed',
      {
        causePath: LAMBDA_CAUSE,
      },
    ),
    concurrent: fail(
      S.concurrent,
      { release: S.releaseLockConcurrent, notify: S.notifyConcurrent },
      FailureCodes.concurrentDeployment,
      'failed',
      {
        causePath: LAMBDA_CAUSE,
      },
    ),
    rolledBack: fail(
      S.rolledBack,
      { release: S.releaseLockRolledBack, notify: S.notifyRolledBack },
      FailureCodes.rolledBack,
      'rolled-back',
      {
        cause: 'The deployment failed; services and scheduled tasks are back on their previous task definitions.',
      },
    ),
    // Summarise Rollback names every service and rule not restored and what each runs now.
    rollbackFailed: fail(
      S.rollbackFailed,
      { release: S.releaseLockRollbackFailed, notify: S.notifyRollbackFailed },
      FailureCodes.rollbackFailed,
      'failed',
      {
        causePath: '$.rollbackResult.message',
      },
    ),
    verifyFailed: fail(
      S.verifyFailed,
      { release: S.releaseLockVerifyFailed, notify: S.notifyVerifyFailed },
      FailureCodes.verifyFailed,
      'failed',
      {
        cause: 'The new version did not become live (updateStrategy none: nothing is rolled back).',
      },
    ),
    drainTimedOut: fail(
      S.drainTimedOut,
      { release: S.releaseLockDrainTimedOut, notify: S.notifyDrainTimedOut },
      FailureCodes.drainTimedOut,
      'timed-out',
      {
        cause: 'The new version is live but the old one had not drained by the deadline.',
      },
    ),
    rollbackTimedOut: fail(
      S.rollbackTimedOut,
      { release: S.releaseLockRollbackTimedOut, notify: S.notifyRollbackTimedOut },
      FailureCodes.rollbackTimedOut,
      'timed-out',
      {
        cause: 'The rollback had not finished by the deadline: services may still run either version.',
      },
    ),
  };
}
