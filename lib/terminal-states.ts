import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { FailureOutcome } from '../lambdas/notify/core';
import { FailureCodes } from '../lambdas/shared/errors';
import { StateNames as S } from './state-names';
import { type EndingNames, endThen } from './workflow/endings';
import type { WorkflowTask } from './workflow/task';

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
