import type { ExecutionListItem, ExecutionStatus } from '@aws-sdk/client-sfn';
import type { LocalExecution } from './execution';

/** What Events.emit takes: an event AWS itself puts on the default bus. */
export interface AwsEventEntry {
  source: string;
  detailType: string;
  detail: unknown;
  resources?: string[];
}

/**
 * `Step Functions Execution Status Change` (source `aws.states`), sent on the default bus when an
 * execution starts (RUNNING) and when it ends (SUCCEEDED, FAILED, TIMED_OUT, ABORTED), best effort
 * (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html). The detail is the
 * execution as DescribeExecution reports it, dates in epoch milliseconds, absent values null
 * (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html).
 */
export function statusChangeEvent(execution: LocalExecution): AwsEventEntry {
  const { init } = execution;
  return {
    source: 'aws.states',
    detailType: 'Step Functions Execution Status Change',
    resources: [init.executionArn],
    detail: {
      executionArn: init.executionArn,
      stateMachineArn: init.stateMachineArn,
      name: init.name,
      status: execution.status,
      startDate: execution.startDate.getTime(),
      stopDate: execution.status === 'RUNNING' ? null : (execution.stopDate?.getTime() ?? null),
      input: init.input,
      output: execution.output ?? null,
      inputDetails: { included: true },
      outputDetails: execution.output === undefined ? null : { included: true },
      error: execution.error ?? null,
      cause: execution.cause ?? null,
    },
  };
}

/**
 * ListExecutions as an eventually consistent read sees an execution `lagMs` after the fact: not at
 * all in its first `lagMs`, then with the status it had `lagMs` ago. "This operation is eventually
 * consistent. The results are best effort and may not reflect very recent updates and changes."
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html). The
 * lag is the longest the fleet allows, every time, so tests see it deterministically.
 */
export function laggingListItem(
  execution: LocalExecution,
  lagMs: number,
  now = Date.now(),
): ExecutionListItem | undefined {
  const { init } = execution;
  const asOf = now - lagMs;
  let seen: { status: ExecutionStatus; at: number } | undefined;
  for (const change of execution.statusChanges) if (change.at <= asOf) seen = change;
  if (!seen) return undefined;
  const stopped = seen.status !== 'RUNNING';
  return {
    executionArn: init.executionArn,
    stateMachineArn: init.stateMachineArn,
    name: init.name,
    status: seen.status,
    startDate: execution.startDate,
    stopDate: stopped ? execution.stopDate : undefined,
    redriveCount: 0,
  };
}
