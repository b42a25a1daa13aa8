import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../cli/program';
import { StateNames as S } from '../../../lib/state-names';
import { rejectedAndRolledBackHistory, waitingHistory } from './approval-fixtures';
import { deployedHistory, EXECUTION_ARN, fakeIo, historyServer, round } from './fixtures';

const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());

const HINT = `waiting for approval — run: gehen approve ${EXECUTION_ARN}`;

/** `gehen status ARN ARGS` over a history that grows by `step` events each time the watch sleeps. */
async function status(events: Parameters<typeof historyServer>[0], args: string[], step = 3) {
  const server = historyServer(events, { visible: step, pageSize: 10 });
  const io = fakeIo({ sleep: () => server.reveal(step) });
  sfn.on(GetExecutionHistoryCommand).callsFake((input) => server.handle(input));
  const code = await runCli(['status', EXECUTION_ARN, ...args], io);
  return { code, io };
}

describe('waiting for approval', () => {
  it('the watch says once, over many polls, which command answers it; a rejection rolls back with its reason', async () => {
    const { code, io } = await status(rejectedAndRolledBackHistory('checkout is slow on test').events, ['--watch'], 1);
    const out = io.out();
    expect(out.split(HINT)).toHaveLength(2);
    expect(out).toContain(`(or gehen reject ${EXECUTION_ARN} --reason …)`);
    expect(out).toMatch(/api: verifying \(waiting for approval\)/);
    expect(out).toMatch(/api: failed \(rejected: checkout is slow on test\)/);
    expect(out).toMatch(/^Rolled back \(Gehen.RolledBack/m);
    expect(out).toMatch(/^api +api:41 → api:42 +rolled back: rejected: checkout is slow on test/m);
    expect(code).toBe(1);
  });

  it('the --json report carries the rejection', async () => {
    const { io } = await status(rejectedAndRolledBackHistory('too slow').events, ['--watch', '--json'], 50);
    const report = JSON.parse(io.out());
    expect(report).toMatchObject({
      status: 'rolled-back',
      exitCode: 1,
      approval: { status: 'rejected', reason: 'too slow' },
    });
    expect(report.services[0]).toMatchObject({ outcome: 'rolled-back', reason: 'rejected: too slow' });
  });

  it('gehen status of an execution at the gate prints the commands that answer it', async () => {
    const { code, io } = await status(waitingHistory().events, [], 1000);
    expect(io.out()).toContain(HINT);
    expect(io.out()).toMatch(/^api +api:41 → api:42 +verifying/m);
    expect(code).toBe(2);
  });
});

describe('the gate phase', () => {
  it('shows each service at the gate like verify: passed, waiting, then continued', async () => {
    const b = deployedHistory();
    b.state('Pass', S.startGate, {}, {});
    b.state('Task', S.checkGate, {}, { round: round({ done: 1, waiting: ['worker'] }) });
    b.state('Task', S.checkGate, {}, { round: round({ status: 'done', round: 2, done: 2 }) });
    b.state('Task', S.continueGate, {}, {});
    const { io } = await status(b.events, ['--watch', '--wait-timeout', '1'], 2);
    const out = io.out();
    expect(out).toMatch(/api: verifying \(at the gate\)/);
    expect(out).toMatch(/api: verifying \(passed the gate\)/);
    expect(out).toMatch(/worker: verifying \(1\/2 passed the gate\)/);
    expect(out).toMatch(/worker: verifying \(continuing past the gate\)/);
    expect(out).not.toMatch(/: live/);
  });

  it("shows the rollback's deployments held at the gate's hook until gehen continued them", async () => {
    const b = deployedHistory();
    b.state('Pass', S.startReleaseRollback, {}, {});
    b.state('Task', S.releaseRollback, {}, { round: round({ done: 1, waiting: ['worker'] }) });
    b.state('Task', S.releaseRollback, {}, { round: round({ status: 'done', round: 2, done: 2 }) });
    const { io } = await status(b.events, ['--watch', '--wait-timeout', '1'], 2);
    const out = io.out();
    expect(out).toMatch(/worker: rolling back \(1\/2 rollback past the hook\)/);
    expect(out).toMatch(/worker: rolling back \(rollback past the hook\)/);
  });
});
