import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  type HistoryEvent,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { regionOfArn } from '../lambdas/shared/aws/arn';
import { APPROVAL_REJECTED_ERROR, type ApprovalState, approvalState } from './approval-state';
import { type AwsOptions, describe, EXECUTION_ARN, sfnClient } from './aws';
import { readHistory } from './execution-history';
import { CliError, ExitCodes } from './exit-codes';
import type { CliIo } from './io';

/**
 * `gehen approve ARN` and `gehen reject ARN [--reason TEXT]`: answer a deployment waiting at the
 * gate's Await Approval state. Read top to bottom: find the open approval in the execution's
 * history (cli/approval-state.ts), then SendTaskSuccess or SendTaskFailure with its token.
 * Exit 0 when answered; 1 (a CliError saying why) when there was nothing to answer.
 */

export type ApproveOptions = AwsOptions;

export interface RejectOptions extends AwsOptions {
  reason?: string;
}

/** SendTaskFailure's cause: at most 32768 characters (API_SendTaskFailure.html). */
const MAX_CAUSE = 32_768;

export async function approve(executionArn: string, options: ApproveOptions, io: CliIo): Promise<number> {
  const { sfn, token } = await openApproval(executionArn, options);
  const approvedBy = await callerIdentity(options, executionArn, 'gehen approve');
  const output = JSON.stringify({ approvedBy, at: new Date(io.clock.now()).toISOString() });
  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
  await answer(executionArn, () => sfn.send(new SendTaskSuccessCommand({ taskToken: token, output })));
  io.stdout.write(
    `Approved ${executionArn} (as ${approvedBy}): the deployment continues past the gate.\n` +
      `Follow it with: gehen status ${executionArn} --watch\n`,
  );
  return ExitCodes.deployed;
}

export async function reject(executionArn: string, options: RejectOptions, io: CliIo): Promise<number> {
  const { sfn, token } = await openApproval(executionArn, options);
  const rejectedBy = await callerIdentity(options, executionArn, 'gehen reject');
  const cause = (options.reason?.trim() || `rejected by ${rejectedBy}`).slice(0, MAX_CAUSE);
  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html
  await answer(executionArn, () =>
    sfn.send(new SendTaskFailureCommand({ taskToken: token, error: APPROVAL_REJECTED_ERROR, cause })),
  );
  io.stdout.write(
    `Rejected ${executionArn} (as ${rejectedBy}): every service at the gate rolls back.\n` +
      `Follow it with: gehen status ${executionArn} --watch\n`,
  );
  return ExitCodes.deployed;
}

/** The execution's open approval and its token, or a CliError saying what the execution is doing instead. */
async function openApproval(executionArn: string, options: AwsOptions): Promise<{ sfn: SFNClient; token: string }> {
  if (!EXECUTION_ARN.test(executionArn)) {
    throw new CliError(
      `not an execution ARN: ${executionArn} (expected arn:aws:states:REGION:ACCOUNT:execution:gehen-deploy:NAME)`,
    );
  }
  const sfn = sfnClient(options, executionArn);
  const execution = await describeExecution(sfn, executionArn);
  const history = await readHistory(sfn, executionArn);
  const state = approvalState(history);
  if (state.kind === 'waiting' && execution.status === 'RUNNING') return { sfn, token: state.token };
  throw new CliError(notWaiting(executionArn, execution, state, history));
}

async function describeExecution(sfn: SFNClient, executionArn: string): Promise<DescribeExecutionOutput> {
  try {
    return await sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') {
      throw new CliError(`no such execution: ${executionArn}`, ExitCodes.failed, { cause: error });
    }
    throw new CliError(`failed to describe ${executionArn}: ${describe(error)}`, ExitCodes.failed, { cause: error });
  }
}

/** Why there is nothing to answer, saying what the execution is doing instead. */
export function notWaiting(
  executionArn: string,
  execution: Pick<DescribeExecutionOutput, 'status' | 'stopDate'>,
  state: ApprovalState,
  history: readonly HistoryEvent[],
): string {
  const prefix = `${executionArn} is not waiting for approval`;
  if (state.kind === 'answered') {
    const at = state.at ? ` at ${state.at.toISOString()}` : '';
    switch (state.outcome) {
      case 'approved':
        return `${prefix}: it was already approved${state.by ? ` by ${state.by}` : ''}${at}`;
      case 'rejected':
        return `${prefix}: it was already rejected${at}${state.reason ? ` (${state.reason})` : ''}`;
      case 'timed-out':
        return `${prefix}: the approval timed out${at} and the deployment rolled back${state.reason ? ` (${state.reason})` : ''}`;
      case 'failed':
        return `${prefix}: the approval step failed${at}${state.reason ? ` (${state.reason})` : ''}`;
    }
  }
  if (execution.status !== 'RUNNING') {
    const ended = execution.stopDate ? ` at ${execution.stopDate.toISOString()}` : '';
    return `${prefix}: it is ${execution.status ?? 'unknown'}${ended}, and it never reached the gate's approval`;
  }
  const current = [...history].reverse().find((event) => event.stateEnteredEventDetails?.name);
  const where = current?.stateEnteredEventDetails?.name;
  return `${prefix} (yet): it is running${where ? `, at ${where}` : ''}. Follow it with: gehen status ${executionArn} --watch`;
}

/** Sends the answer; the token closing meanwhile (answered or timed out a moment ago) is a refusal. */
async function answer(executionArn: string, send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TaskTimedOut' || name === 'TaskDoesNotExist' || name === 'InvalidToken') {
      throw new CliError(
        `${executionArn} is no longer waiting for approval: it was answered, timed out or stopped a moment ago (${describe(error)})`,
        ExitCodes.failed,
        { cause: error },
      );
    }
    throw new CliError(`failed to answer the approval of ${executionArn}: ${describe(error)}`, ExitCodes.failed, {
      cause: error,
    });
  }
}

/** Who answers, for the approval's output and the rejection's default reason: the caller's ARN. */
async function callerIdentity(options: AwsOptions, executionArn: string, fallback: string): Promise<string> {
  const region = regionOfArn(executionArn, 'states') ?? options.region;
  const sts = new STSClient({
    ...(region ? { region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  try {
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    return Arn ?? fallback;
  } catch {
    // Who answered is a record for people; not knowing it is no reason to refuse the answer.
    return fallback;
  }
}
