import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../cli/program';
import { restoreOutcome } from '../../../cli/restore-status';
import { restoreArnOf } from '../../../lambdas/shared/contracts/restore-name';
import { EXECUTION_ARN, fakeIo, HistoryBuilder, historyServer } from './fixtures';

const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());
afterAll(() => sfn.restore());

const RESTORE = restoreArnOf(EXECUTION_ARN);

describe('restoreOutcome', () => {
  test.each<[string, string | undefined, string]>([
    ['RUNNING', undefined, 'running'],
    ['FAILED', 'Gehen.RolledBack', 'restored'],
    ['SUCCEEDED', undefined, 'nothing-to-restore'],
    ['FAILED', 'Gehen.RollbackFailed', 'not-restored'],
    ['FAILED', 'Gehen.RollbackTimedOut', 'not-restored'],
    ['FAILED', 'Gehen.ConcurrentDeployment', 'not-restored'],
    ['ABORTED', undefined, 'not-restored'],
  ])('a restore %s with %s: %s', (status, error, outcome) => {
    expect(restoreOutcome({ status, error }).outcome).toBe(outcome);
  });
});

describe('status of a stopped execution', () => {
  test.each<[string, () => void, string, number]>([
    [
      'not started yet',
      () => sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('no'), { name: 'ExecutionDoesNotExist' })),
      'pending',
      2,
    ],
    ['still restoring', () => sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' }), 'running', 2],
    [
      'restored',
      () => sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'Gehen.RolledBack' }),
      'restored',
      1,
    ],
    [
      'not restored',
      () =>
        sfn
          .on(DescribeExecutionCommand)
          .resolves({ status: 'FAILED', error: 'Gehen.RollbackFailed', cause: '1 not restored: service api' }),
      'not-restored',
      2,
    ],
  ])('%s: restore %s, exit %i', async (_, restore, outcome, exitCode) => {
    const server = historyServer(new HistoryBuilder().started().aborted().events);
    sfn.on(GetExecutionHistoryCommand).callsFake((input) => server.handle(input));
    restore();
    const io = fakeIo();
    expect(await runCli(['status', EXECUTION_ARN, '--json'], io)).toBe(exitCode);
    expect(JSON.parse(io.out())).toMatchObject({
      status: 'aborted',
      exitCode,
      restore: { execution: RESTORE, outcome },
    });
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({ executionArn: RESTORE });
  });

  it('asks for no restore of an execution that ended in one of its own Fail states', async () => {
    const server = historyServer(new HistoryBuilder().started().failed('Gehen.RolledBack', 'rolled back').events);
    sfn.on(GetExecutionHistoryCommand).callsFake((input) => server.handle(input));
    const io = fakeIo();
    expect(await runCli(['status', EXECUTION_ARN, '--json'], io)).toBe(1);
    expect(JSON.parse(io.out()).restore).toBeUndefined();
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });
});
