import {
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../cli/program';
import {
  configDir,
  EXECUTION_ARN,
  type FakeIo,
  fakeIo,
  GOOD_YAML,
  historyServer,
  rolledBackHistory,
  STATE_MACHINE_ARN,
  successHistory,
} from './fixtures';

const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());

/** A deploy whose history grows by `step` events each time the watcher sleeps. */
async function deployWith(
  events: ReturnType<typeof successHistory>['events'],
  args: string[],
  options: { step?: number; env?: Record<string, string>; onSleep?: (io: FakeIo) => void } = {},
) {
  const server = historyServer(events, { visible: 0, pageSize: 10 });
  const io: FakeIo = fakeIo({
    cwd: configDir(GOOD_YAML),
    env: options.env,
    sleep: () => {
      server.reveal(options.step ?? 4);
      options.onSleep?.(io);
    },
  });
  sfn.on(StartExecutionCommand).callsFake(() => {
    server.reveal(5);
    return { executionArn: EXECUTION_ARN, startDate: new Date() };
  });
  sfn.on(GetExecutionHistoryCommand).callsFake((input) => server.handle(input));
  const code = await runCli(args, io);
  return { code, io, server };
}

describe('deploy', () => {
  it('finds gehen-deploy by name across pages, starts it with a readable name and the normalized config', async () => {
    sfn
      .on(ListStateMachinesCommand)
      .resolvesOnce({
        stateMachines: [{ name: 'other', stateMachineArn: 'arn:other', type: 'STANDARD', creationDate: new Date() }],
        nextToken: 'p2',
      })
      .resolvesOnce({
        stateMachines: [
          { name: 'gehen-deploy', stateMachineArn: STATE_MACHINE_ARN, type: 'STANDARD', creationDate: new Date() },
        ],
      });
    const { code, io } = await deployWith(successHistory().events, ['deploy', '--gitsha', 'ABC1234DEF5678']);
    expect(code).toBe(0);
    expect(sfn).toHaveReceivedCommandTimes(ListStateMachinesCommand, 2);
    const start = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start?.stateMachineArn).toBe(STATE_MACHINE_ARN);
    // The SHA is the image tag, and image tags are case-sensitive: it is deployed as given.
    expect(start?.name).toMatch(/^ABC1234-20250101T000000Z-[0-9a-f]{4}$/);
    const input = JSON.parse(start?.input ?? '{}');
    expect(input).toMatchObject({ gitsha: 'ABC1234DEF5678', source: 'cli' });
    // A bare cluster name gets the CLI's region; a cluster ARN keeps its own.
    expect(input.config.services).toEqual([
      expect.objectContaining({ name: 'api', cluster: 'prod', region: 'us-east-1' }),
      expect.objectContaining({ name: 'worker', region: 'us-east-1' }),
    ]);
    expect(input.config.scheduledTasks).toEqual([{ rule: 'nightly', region: 'us-east-1', containers: null }]);
    expect(io.out()).toContain(
      `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${EXECUTION_ARN}`,
    );
    expect(io.out()).toMatch(/api +api:41 → api:42 +deployed/);
  });

  it('takes GEHEN_STATE_MACHINE_ARN without a lookup, and --state-machine over it', async () => {
    const env = { GEHEN_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:from-env' };
    expect(
      (await deployWith(successHistory().events, ['deploy', '--gitsha', 'abc1234', '--no-wait'], { env })).code,
    ).toBe(0);
    expect(sfn).not.toHaveReceivedCommand(ListStateMachinesCommand);
    expect(sfn).toHaveReceivedNthCommandWith(1, StartExecutionCommand, {
      stateMachineArn: env.GEHEN_STATE_MACHINE_ARN,
    });
    sfn.resetHistory();
    const args = ['deploy', '--gitsha', 'abc1234', '--no-wait', '--state-machine', STATE_MACHINE_ARN];
    expect((await deployWith(successHistory().events, args, { env })).code).toBe(0);
    expect(sfn).toHaveReceivedNthCommandWith(1, StartExecutionCommand, { stateMachineArn: STATE_MACHINE_ARN });
  });

  it('follows the history incrementally: one forward read, then only the newest events', async () => {
    const { code, io, server } = await deployWith(
      successHistory().events,
      ['deploy', '--gitsha', 'abc1234', '--state-machine', STATE_MACHINE_ARN],
      { step: 3 },
    );
    expect(code).toBe(0);
    expect(server.calls[0]).toEqual({ reverseOrder: false, nextToken: undefined });
    expect(server.calls.slice(1).every((c) => c.reverseOrder)).toBe(true);
    // No event is shown twice: each phase line appears once per change.
    const lines = io
      .out()
      .split('\n')
      .filter((l) => / api: /.test(l));
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).toEqual([
      'api: registering',
      'api: updating',
      'api: verifying',
      'api: live (1/2 live)',
      'api: live (2/2 live)',
      'api: draining',
      'api: draining (drained)',
      'api: deployed (drained)',
    ]);
  });

  it('exits 1 and says so when the deployment is rolled back', async () => {
    const { code, io } = await deployWith(rolledBackHistory().events, [
      '-gitsha',
      'abc1234',
      '--state-machine',
      STATE_MACHINE_ARN,
    ]);
    expect(code).toBe(1);
    expect(io.out()).toContain('worker: failed (tasks keep stopping: Essential container exited)');
    expect(io.out()).toContain('Rolled back');
  });

  it('--json: stdout is exactly one report, progress goes to stderr', async () => {
    const { code, io } = await deployWith(successHistory().events, [
      'deploy',
      '--gitsha',
      'abc1234',
      '--json',
      '--state-machine',
      STATE_MACHINE_ARN,
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(io.out());
    expect(Object.keys(report)).toEqual([
      'execution',
      'status',
      'exitCode',
      'gitsha',
      'error',
      'services',
      'scheduledTasks',
    ]);
    expect(report).toMatchObject({ execution: EXECUTION_ARN, status: 'deployed', exitCode: 0 });
    expect(Object.keys(report.services[0])).toEqual(
      expect.arrayContaining([
        'name',
        'cluster',
        'previousTaskDefinition',
        'taskDefinition',
        'previousSha',
        'sha',
        'outcome',
      ]),
    );
    expect(io.err()).toContain('api: deployed');
  });

  it('stops at --wait-timeout with exit 2 and says how to resume', async () => {
    const { code, io } = await deployWith(
      successHistory().events,
      ['deploy', '--gitsha', 'abc1234', '--state-machine', STATE_MACHINE_ARN, '--wait-timeout', '0.05'],
      { step: 1 },
    );
    expect(code).toBe(2);
    expect(io.out()).toContain(`Resume with: gehen status ${EXECUTION_ARN} --watch`);
  });

  it('without --wait-timeout watches to the end however long the execution runs', async () => {
    // Started a day before the watcher's clock: far past any deadline derived from timeoutMinutes.
    const dayAgo = successHistory().events.map((event) => ({
      ...event,
      timestamp: new Date((event.timestamp?.getTime() ?? 0) - 86_400_000),
    }));
    const { code, io } = await deployWith(
      dayAgo,
      ['deploy', '--gitsha', 'abc1234', '--state-machine', STATE_MACHINE_ARN],
      {
        step: 1,
      },
    );
    expect(code).toBe(0);
    expect(io.out()).not.toContain('Stopped waiting');
  });

  it('Ctrl-C stops watching, not the deployment: exit 130 and how to resume', async () => {
    let sleeps = 0;
    const { code, io } = await deployWith(
      successHistory().events,
      ['deploy', '--gitsha', 'abc1234', '--state-machine', STATE_MACHINE_ARN, '--json'],
      {
        step: 2,
        onSleep: (cliIo) => {
          if (++sleeps === 3) cliIo.interrupt();
        },
      },
    );
    expect(code).toBe(130);
    expect(io.err()).toContain('the deployment goes on');
    expect(io.err()).toContain(`gehen status ${EXECUTION_ARN} --watch`);
    expect(JSON.parse(io.out())).toMatchObject({ status: 'running', exitCode: 130 });
  });

  it('--no-wait starts the execution, prints how to follow it and exits 0', async () => {
    const { code, io, server } = await deployWith(successHistory().events, [
      'deploy',
      '--gitsha',
      'abc1234',
      '--no-wait',
      '--state-machine',
      STATE_MACHINE_ARN,
    ]);
    expect(code).toBe(0);
    expect(server.calls).toHaveLength(0);
    expect(io.out()).toContain(`gehen status ${EXECUTION_ARN} --watch`);
  });

  it('explains a failed StartExecution with context and exits 1', async () => {
    const io = fakeIo({ cwd: configDir(GOOD_YAML) });
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    expect(await runCli(['deploy', '--gitsha', 'abc1234', '--state-machine', STATE_MACHINE_ARN], io)).toBe(1);
    expect(io.err()).toContain(`gehen: failed to start abc1234-`);
    expect(io.err()).toContain('AccessDeniedException: User is not authorized');
  });
});
