import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { approvalState, findToken } from '../../../cli/approval-state';
import { runCli } from '../../../cli/program';
import {
  approvedHistory,
  FIRST_TOKEN,
  rejectedHistory,
  SECOND_TOKEN,
  timedOutHistory,
  waitingHistory,
} from './approval-fixtures';
import { ACCOUNT, EXECUTION_ARN, fakeIo, historyServer, successHistory } from './fixtures';

const sfn = mockClient(SFNClient);
const sts = mockClient(STSClient);
const CALLER = `arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/ana`;

beforeEach(() => {
  sfn.reset();
  sts.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Arn: CALLER, Account: ACCOUNT, UserId: 'AROA:ana' });
});

describe('approvalState', () => {
  it("finds the open token of the latest attempt, not the first attempt's", () => {
    expect(approvalState(waitingHistory().events)).toEqual({
      kind: 'waiting',
      token: SECOND_TOKEN,
      scheduledAt: expect.any(Date),
      timeoutSeconds: 1800,
      attempt: 2,
    });
  });

  test.each([
    ['approved', approvedHistory(), { outcome: 'approved', by: CALLER, reason: null }],
    ['rejected', rejectedHistory('too slow'), { outcome: 'rejected', by: null, reason: 'too slow' }],
    ['timed out', timedOutHistory(), { outcome: 'timed-out', by: null, reason: 'States.Timeout' }],
  ])('reads an answered approval (%s) as answered, with no token to answer', (_, history, expected) => {
    expect(approvalState(history.events)).toEqual({ kind: 'answered', at: expect.any(Date), ...expected });
  });

  it('is not reached by an execution that never scheduled Await Approval', () => {
    // successHistory's Task states schedule tasks too: none of them is the approval.
    expect(approvalState(successHistory().events)).toEqual({ kind: 'not-reached' });
  });

  it('reads a history without previousEventId by the state entered last', () => {
    const events = waitingHistory().events.map(({ previousEventId: _, ...event }) => event as HistoryEvent);
    expect(approvalState(events)).toMatchObject({ kind: 'waiting', token: SECOND_TOKEN });
  });

  test.each([
    [{ FunctionName: 'f', Payload: { taskToken: FIRST_TOKEN } }, FIRST_TOKEN],
    [{ TaskToken: FIRST_TOKEN, Detail: { x: 1 } }, FIRST_TOKEN],
    [{ Entries: [{ Detail: { task_token: FIRST_TOKEN } }] }, FIRST_TOKEN],
    [{ FunctionName: 'f', Payload: { token: 'not a task token field' } }, null],
  ])('finds the token in parameters %j', (parameters, token) => {
    expect(findToken(parameters)).toBe(token);
  });
});

/** The execution `status`, its history served as GetExecutionHistory pages it. */
function execution(events: readonly HistoryEvent[], status: 'RUNNING' | 'FAILED' | 'SUCCEEDED' = 'RUNNING') {
  const server = historyServer(events, { pageSize: 7 });
  sfn.on(DescribeExecutionCommand).resolves({
    executionArn: EXECUTION_ARN,
    stateMachineArn: 'arn:sm',
    status,
    startDate: new Date('2025-01-01T00:00:00Z'),
    ...(status === 'RUNNING' ? {} : { stopDate: new Date('2025-01-01T00:20:00Z') }),
  });
  sfn.on(GetExecutionHistoryCommand).callsFake((input) => server.handle(input));
}

describe('gehen approve', () => {
  it("answers the open approval's token with SendTaskSuccess, saying who approved", async () => {
    execution(waitingHistory().events);
    const io = fakeIo();
    expect(await runCli(['approve', EXECUTION_ARN], io)).toBe(0);
    const sent = sfn.commandCalls(SendTaskSuccessCommand).map((call) => call.args[0].input);
    expect(sent).toEqual([{ taskToken: SECOND_TOKEN, output: expect.any(String) }]);
    expect(JSON.parse(sent[0]?.output ?? '{}')).toEqual({ approvedBy: CALLER, at: '2025-01-01T00:00:00.000Z' });
    expect(io.out()).toContain(`Approved ${EXECUTION_ARN} (as ${CALLER})`);
    expect(io.out()).toContain(`gehen status ${EXECUTION_ARN} --watch`);
  });

  it('still approves when the caller cannot be told (STS refused)', async () => {
    sts.on(GetCallerIdentityCommand).rejects(new Error('AccessDenied'));
    execution(waitingHistory().events);
    expect(await runCli(['approve', EXECUTION_ARN], fakeIo())).toBe(0);
    const output = sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.output ?? '{}';
    expect(JSON.parse(output).approvedBy).toBe('gehen approve');
  });

  test.each([
    ['an approved one', approvedHistory().events, 'RUNNING', `it was already approved by ${CALLER}`],
    ['a rejected one', rejectedHistory().events, 'RUNNING', 'it was already rejected at'],
    ['a timed-out one', timedOutHistory().events, 'FAILED', 'the approval timed out at'],
    ['one still deploying', successHistory().events.slice(0, 30), 'RUNNING', 'is not waiting for approval (yet)'],
    ['one that ended without a gate', successHistory().events, 'SUCCEEDED', 'it is SUCCEEDED at 2025-01-01T00:20'],
  ] as const)('refuses %s, saying what the execution is doing (exit 1)', async (_, events, status, message) => {
    execution(events, status);
    const io = fakeIo();
    expect(await runCli(['approve', EXECUTION_ARN], io)).toBe(1);
    expect(io.err()).toContain(`${EXECUTION_ARN} is not waiting for approval`);
    expect(io.err()).toContain(message);
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('names the state a running execution is in', async () => {
    execution(successHistory().events.slice(0, 30));
    const io = fakeIo();
    await runCli(['approve', EXECUTION_ARN], io);
    const entered = successHistory()
      .events.slice(0, 30)
      .filter((event) => event.stateEnteredEventDetails)
      .at(-1)?.stateEnteredEventDetails?.name;
    expect(io.err()).toContain(`it is running, at ${entered}`);
  });

  it('refuses an execution that does not exist', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
    const io = fakeIo();
    expect(await runCli(['approve', EXECUTION_ARN], io)).toBe(1);
    expect(io.err()).toBe(`gehen: no such execution: ${EXECUTION_ARN}\n`);
  });

  it('refuses, exit 1, when the token closed between reading the history and answering', async () => {
    execution(waitingHistory().events);
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    const io = fakeIo();
    expect(await runCli(['approve', EXECUTION_ARN], io)).toBe(1);
    expect(io.err()).toContain('is no longer waiting for approval: it was answered, timed out or stopped');
  });

  it('refuses what is not an execution ARN without calling AWS', async () => {
    const io = fakeIo();
    expect(await runCli(['approve', 'abc1234'], io)).toBe(1);
    expect(io.err()).toContain('not an execution ARN: abc1234');
    expect(sfn.calls()).toHaveLength(0);
  });

  it('explains itself in --help, with an example and its exit codes', async () => {
    const io = fakeIo();
    await runCli(['approve', '--help'], io);
    expect(io.out()).toContain('gehen approve arn:aws:states:');
    expect(io.out()).toMatch(/Exit codes:\n {2}0 {2}approved\n {2}1 {2}refused/);
    expect(io.out()).not.toContain('deployed (the execution succeeded)');
  });
});

describe('gehen reject', () => {
  it('fails the open approval with Gehen.Rejected and the reason', async () => {
    execution(waitingHistory().events);
    const io = fakeIo();
    expect(await runCli(['reject', EXECUTION_ARN, '--reason', 'checkout is slow on test'], io)).toBe(0);
    expect(sfn.commandCalls(SendTaskFailureCommand).map((call) => call.args[0].input)).toEqual([
      { taskToken: SECOND_TOKEN, error: 'Gehen.ApprovalRejected', cause: 'checkout is slow on test' },
    ]);
    expect(io.out()).toContain(`Rejected ${EXECUTION_ARN} (as ${CALLER}): every service at the gate rolls back`);
  });

  it('says who rejected when no reason is given', async () => {
    execution(waitingHistory().events);
    expect(await runCli(['reject', EXECUTION_ARN], fakeIo())).toBe(0);
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input.cause).toBe(`rejected by ${CALLER}`);
  });

  it('refuses an approval that was already answered', async () => {
    execution(approvedHistory().events);
    const io = fakeIo();
    expect(await runCli(['reject', EXECUTION_ARN, '--reason', 'late'], io)).toBe(1);
    expect(io.err()).toContain('it was already approved');
    expect(sfn).not.toHaveReceivedCommand(SendTaskFailureCommand);
  });
});
