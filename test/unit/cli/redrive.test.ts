import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../cli/program';
import { EXECUTION_ARN, fakeIo, STATE_MACHINE_ARN } from './fixtures';

const sfn = mockClient(SFNClient);
const LATER_ARN = `${EXECUTION_ARN.replace(/:[^:]+$/, '')}:later`;
const config = (service: string) => ({ services: [{ name: service, cluster: 'demo' }], scheduledTasks: [] });

function described(overrides: Record<string, unknown> = {}): DescribeExecutionOutput {
  return {
    executionArn: EXECUTION_ARN,
    stateMachineArn: STATE_MACHINE_ARN,
    status: 'ABORTED',
    startDate: new Date(Date.now() - 60_000),
    stopDate: new Date(Date.now() - 30_000),
    input: JSON.stringify({ gitsha: 'abc1234', source: 'cli', config: config('api') }),
    ...overrides,
  } as DescribeExecutionOutput;
}

/** `later`: another execution started after this one, deploying `service`. */
function setUp(execution: Record<string, unknown>, later?: { service: string }) {
  sfn.reset();
  sfn.on(DescribeExecutionCommand, { executionArn: EXECUTION_ARN }).resolves(described(execution));
  sfn
    .on(GetExecutionHistoryCommand)
    .resolves({ events: [{ id: 120, type: 'ExecutionAborted', timestamp: new Date() }] });
  const items = [{ executionArn: EXECUTION_ARN, name: 'mine', stateMachineArn: STATE_MACHINE_ARN, status: 'ABORTED' }];
  if (later) {
    items.unshift({ executionArn: LATER_ARN, name: 'later', stateMachineArn: STATE_MACHINE_ARN, status: 'SUCCEEDED' });
    sfn.on(DescribeExecutionCommand, { executionArn: LATER_ARN }).resolves({
      ...described({ status: 'SUCCEEDED', startDate: new Date(Date.now() - 10_000) }),
      executionArn: LATER_ARN,
      input: JSON.stringify({ gitsha: 'def5678', source: 'cli', config: config(later.service) }),
    });
  }
  sfn.on(ListExecutionsCommand).resolves({ executions: items as never });
  sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date() });
}

async function redrive() {
  const io = fakeIo({});
  const code = await runCli(['redrive', EXECUTION_ARN, '--region', 'us-east-1'], io);
  return { code, io };
}

describe('gehen redrive', () => {
  it('redrives an aborted execution whose services nobody has deployed to since', async () => {
    setUp({}, { service: 'worker' });
    const { code, io } = await redrive();
    expect(code).toBe(0);
    expect(sfn.commandCalls(RedriveExecutionCommand)).toHaveLength(1);
    expect(io.out()).toContain(`gehen status ${EXECUTION_ARN} --watch`);
  });

  test.each([
    [{ status: 'RUNNING' }, 'only FAILED, ABORTED and TIMED_OUT'],
    [{ status: 'SUCCEEDED' }, 'only FAILED, ABORTED and TIMED_OUT'],
    [{ status: 'FAILED', error: 'Gehen.RolledBack' }, "gehen's own terminal state (Gehen.RolledBack)"],
    [{ status: 'FAILED', error: 'States.DataLimitExceeded' }, 'fails again on redrive'],
    [{ stopDate: new Date(Date.now() - 15 * 86_400_000) }, 'more than 14 days ago'],
  ])('refuses %j', async (execution, why) => {
    setUp(execution);
    const { code, io } = await redrive();
    expect(code).toBe(1);
    expect(io.err()).toContain(why);
    expect(sfn.commandCalls(RedriveExecutionCommand)).toHaveLength(0);
  });

  it('refuses when a later deployment touched the same services: the overlap guard would not run again', async () => {
    setUp({ status: 'FAILED', error: 'States.Runtime' }, { service: 'api' });
    const { code, io } = await redrive();
    expect(code).toBe(1);
    expect(io.err()).toContain('later has deployed def5678 to the same services');
    expect(sfn.commandCalls(RedriveExecutionCommand)).toHaveLength(0);
  });
});
