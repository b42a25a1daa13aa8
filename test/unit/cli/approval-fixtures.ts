import { AWAIT_APPROVAL_STATE_NAME } from '../../../cli/approval-state';
import { StateNames as S } from '../../../lib/state-names';
import { ACCOUNT, deployedHistory, EXECUTION_ARN, type HistoryBuilder, PLAN } from './fixtures';

/**
 * Histories of a deployment at the gate's Await Approval, as GetExecutionHistory returns a
 * `lambda:invoke.waitForTaskToken` Task (event types and details per
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html): the
 * parameters carry the token where the definition put `$$.Task.Token`, each event's
 * previousEventId names the one it follows, and a Retry schedules the task again.
 * Written from AWS's documented shapes: neither the sandbox nor the workflow had the approval
 * when these were written (see the report of branch c16).
 */

export const FIRST_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAf1rsTtoken-first-attempt';
export const SECOND_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAf1rsTtoken-second-attempt';
const NOTIFY = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:gehen-approval-requested`;

/** One attempt of Await Approval, scheduled: TaskScheduled, TaskStarted, TaskSubmitted. */
function scheduled(b: HistoryBuilder, token: string): void {
  b.push('TaskScheduled', {
    taskScheduledEventDetails: {
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      region: 'us-east-1',
      parameters: JSON.stringify({
        FunctionName: NOTIFY,
        Payload: { execution: EXECUTION_ARN, taskToken: token },
      }),
      timeoutInSeconds: 1800,
    },
  });
  b.push('TaskStarted', { taskStartedEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' } });
  b.push('TaskSubmitted', {
    taskSubmittedEventDetails: {
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      output: JSON.stringify({ StatusCode: 202 }),
    },
  });
}

/**
 * Deployed, at the gate, Await Approval entered; its first attempt failed to submit (the Lambda
 * throttled) and the Retry scheduled a second one, which waits.
 */
export function waitingHistory(): HistoryBuilder {
  const b = deployedHistory();
  b.push('TaskStateEntered', { stateEnteredEventDetails: { name: AWAIT_APPROVAL_STATE_NAME, input: '{}' } });
  scheduled(b, FIRST_TOKEN);
  b.push('TaskFailed', {
    taskFailedEventDetails: {
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      error: 'Lambda.TooManyRequestsException',
      cause: 'Rate Exceeded.',
    },
  });
  // The retry's TaskScheduled follows the failure (its previousEventId), not the state's entry.
  scheduled(b, SECOND_TOKEN);
  return b;
}

/** The waiting history, then SendTaskSuccess from `gehen approve`. */
export function approvedHistory(): HistoryBuilder {
  const b = waitingHistory();
  b.push('TaskSucceeded', {
    taskSucceededEventDetails: {
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      output: JSON.stringify({
        approvedBy: `arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/ana`,
        at: '2025-01-01T00:10:00Z',
      }),
    },
  });
  return b.push('TaskStateExited', { stateExitedEventDetails: { name: AWAIT_APPROVAL_STATE_NAME, output: '{}' } });
}

/** The waiting history, then SendTaskFailure from `gehen reject --reason`. */
export function rejectedHistory(reason = 'checkout is slow on test'): HistoryBuilder {
  const b = waitingHistory();
  return b.push('TaskFailed', {
    taskFailedEventDetails: {
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      error: 'Gehen.ApprovalRejected',
      cause: reason,
    },
  });
}

/** The waiting history, then the state's TimeoutSeconds. */
export function timedOutHistory(): HistoryBuilder {
  const b = waitingHistory();
  return b.push('TaskTimedOut', {
    taskTimedOutEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', error: 'States.Timeout' },
  });
}

/** Rejected at the gate, then both services rolled back: the execution ends in Rolled Back. */
export function rejectedAndRolledBackHistory(reason: string): HistoryBuilder {
  const b = rejectedHistory(reason);
  b.state('Map', S.rollBackServices, {});
  for (const [index, service] of PLAN.services.entries()) {
    b.iteration(S.rollBackServices, index, (i) =>
      i.state(
        'Task',
        S.rollBackService,
        { service },
        { name: service.name, taskDefinition: service.previousTaskDefinition, restored: true },
      ),
    );
  }
  b.state('Fail', S.rolledBack, {});
  return b.failed(
    'Gehen.RolledBack',
    'The deployment failed; services and scheduled tasks are back on their previous task definitions.',
  );
}
