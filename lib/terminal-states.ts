import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { TerminalStates } from '../lambdas/shared/contracts/terminal-states';
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

/** Where a Fail state without a fixed Cause finds its message. */
const CAUSE_PATHS: Partial<Record<keyof FailureEndings, string>> = {
  invalid: LAMBDA_CAUSE,
  concurrent: LAMBDA_CAUSE,
  // Summarise Rollback names every service and rule not restored and what each runs now.
  rollbackFailed: '$.rollbackResult.message',
};

/** Each failure ending, from the table of terminal states: its Fail state, Error, Cause and notification. */
export function failureEndings(scope: Construct, task: WorkflowTask): FailureEndings {
  const fail = (key: keyof FailureEndings, names: EndingNames) => {
    const state = TerminalStates[key];
    const error = state.error;
    const cause = state.cause === null ? { causePath: CAUSE_PATHS[key] } : { cause: state.cause };
    return endThen(task, names, new sfn.Fail(scope, state.name, { error, ...cause }), {
      code: error,
      status: state.status,
      ...(state.cause === null ? {} : { cause: state.cause }),
    });
  };
  return {
    invalid: fail('invalid', { release: S.releaseLockInvalid, notify: S.notifyInvalid }),
    concurrent: fail('concurrent', { release: S.releaseLockConcurrent, notify: S.notifyConcurrent }),
    rolledBack: fail('rolledBack', { release: S.releaseLockRolledBack, notify: S.notifyRolledBack }),
    rollbackFailed: fail('rollbackFailed', { release: S.releaseLockRollbackFailed, notify: S.notifyRollbackFailed }),
    verifyFailed: fail('verifyFailed', { release: S.releaseLockVerifyFailed, notify: S.notifyVerifyFailed }),
    drainTimedOut: fail('drainTimedOut', { release: S.releaseLockDrainTimedOut, notify: S.notifyDrainTimedOut }),
    rollbackTimedOut: fail('rollbackTimedOut', {
      release: S.releaseLockRollbackTimedOut,
      notify: S.notifyRollbackTimedOut,
    }),
  };
}
