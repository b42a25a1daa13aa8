import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { FailureOutcome } from '../lambdas/notify/core';
import { FailureCodes } from '../lambdas/shared/errors';
import { StateNames as S } from './state-names';
import type { WorkflowTask } from './workflow-task';

const $ = sfn.JsonPath;
const LAMBDA_CAUSE = '$.error.Cause';

/**
 * The failure endings, each Notify → Fail. Their Error is what the CLI maps to an exit code.
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

/**
 * Notify, then `terminal`. Notify puts the outcome on the default bus and leaves the state as it
 * is (the Fail states read $.error.Cause; the Succeed states' output is the report); whatever goes
 * wrong with it, the execution still ends in the terminal state it was going to.
 */
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

/** Notify, then the Succeed state `name`. */
export function succeedEnding(scope: Construct, task: WorkflowTask, notifyName: string, name: string): sfn.IChainable {
  return notifyThen(task, notifyName, new sfn.Succeed(scope, name));
}

export function failureEndings(scope: Construct, task: WorkflowTask): FailureEndings {
  const fail = (
    name: string,
    notifyName: string,
    error: string,
    status: FailureOutcome['status'],
    cause: { cause?: string; causePath?: string },
  ) =>
    notifyThen(task, notifyName, new sfn.Fail(scope, name, { error, ...cause }), {
      code: error,
      status,
      ...(cause.cause === undefined ? {} : { cause: cause.cause }),
    });
  return {
    invalid: fail(S.invalid, S.notifyInvalid, FailureCodes.invalidDeployment, 'failed', {
      causePath: LAMBDA_CAUSE,
    }),
    concurrent: fail(S.concurrent, S.notifyConcurrent, FailureCodes.concurrentDeployment, 'failed', {
      causePath: LAMBDA_CAUSE,
    }),
    rolledBack: fail(S.rolledBack, S.notifyRolledBack, FailureCodes.rolledBack, 'rolled-back', {
      cause: 'The deployment failed; services and scheduled tasks are back on their previous task definitions.',
    }),
    // Summarise Rollback names every service and rule not restored and what each runs now.
    rollbackFailed: fail(S.rollbackFailed, S.notifyRollbackFailed, FailureCodes.rollbackFailed, 'failed', {
      causePath: '$.rollbackResult.message',
    }),
    verifyFailed: fail(S.verifyFailed, S.notifyVerifyFailed, FailureCodes.verifyFailed, 'failed', {
      cause: 'The new version did not become live (updateStrategy none: nothing is rolled back).',
    }),
    drainTimedOut: fail(S.drainTimedOut, S.notifyDrainTimedOut, FailureCodes.drainTimedOut, 'timed-out', {
      cause: 'The new version is live but the old one had not drained by the deadline.',
    }),
    rollbackTimedOut: fail(S.rollbackTimedOut, S.notifyRollbackTimedOut, FailureCodes.rollbackTimedOut, 'timed-out', {
      cause: 'The rollback had not finished by the deadline: services may still run either version.',
    }),
  };
}
