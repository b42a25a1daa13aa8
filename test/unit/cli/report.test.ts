import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { outcomeOf, type Termination } from '../../../cli/exit-codes';
import { runCli } from '../../../cli/program';
import { reportFromHistory } from '../../../cli/report';
import {
  EXECUTION_ARN,
  fakeIo,
  HistoryBuilder,
  historyServer,
  rolledBackHistory,
  SHA,
  successHistory,
} from './fixtures';

const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());

describe('outcomeOf', () => {
  test.each<[Termination, string, number]>([
    [{ kind: 'succeeded' }, 'deployed', 0],
    [{ kind: 'failed', error: 'Gehen.InvalidDeployment', cause: null }, 'failed', 1],
    [{ kind: 'failed', error: 'Gehen.ConcurrentDeployment', cause: null }, 'failed', 1],
    [{ kind: 'failed', error: 'Gehen.RolledBack', cause: null }, 'rolled-back', 1],
    [{ kind: 'failed', error: 'Gehen.RollbackFailed', cause: null }, 'failed', 2],
    [{ kind: 'failed', error: 'Gehen.VerifyFailed', cause: null }, 'failed', 1],
    // No Catch ran: unknown until its restore (restore-<name>) has put everything back.
    [{ kind: 'failed', error: 'States.Runtime', cause: null }, 'failed', 2],
    [{ kind: 'failed', error: null, cause: null }, 'failed', 2],
    [{ kind: 'aborted', error: null, cause: null }, 'aborted', 2],
    [{ kind: 'failed', error: 'Gehen.DrainTimedOut', cause: null }, 'timed-out', 2],
    [{ kind: 'failed', error: 'Gehen.RollbackTimedOut', cause: null }, 'timed-out', 2],
    [{ kind: 'timed-out', error: 'States.Timeout', cause: null }, 'timed-out', 2],
    [{ kind: 'running' }, 'running', 2],
  ])('%j → %s, exit %i', (termination, status, exitCode) => {
    expect(outcomeOf(termination)).toEqual({ status, exitCode });
  });
});

describe('status EXECUTION_ARN (a report from history)', () => {
  test.each<[string, (b: HistoryBuilder) => HistoryBuilder, string, number]>([
    ['succeeded', (b) => b.succeeded({}), 'deployed', 0],
    ['rolled back', (b) => b.failed('Gehen.RolledBack', 'rolled back'), 'rolled-back', 1],
    [
      'invalid',
      (b) =>
        b.failed(
          'Gehen.InvalidDeployment',
          '{"errorType":"InvalidDeploymentError","errorMessage":"no service api in prod"}',
        ),
      'failed',
      1,
    ],
    ['concurrent', (b) => b.failed('Gehen.ConcurrentDeployment', 'busy'), 'failed', 1],
    ['rollback failed', (b) => b.failed('Gehen.RollbackFailed', 'x'), 'failed', 2],
    ['verify failed', (b) => b.failed('Gehen.VerifyFailed', 'x'), 'failed', 1],
    ['a runtime error', (b) => b.failed('States.Runtime', 'bad path'), 'failed', 2],
    ['aborted', (b) => b.aborted(), 'aborted', 2],
    ['drain timed out', (b) => b.failed('Gehen.DrainTimedOut', 'x'), 'timed-out', 2],
    ['rollback timed out', (b) => b.failed('Gehen.RollbackTimedOut', 'x'), 'timed-out', 2],
    ['timed out (SFN)', (b) => b.timedOut(), 'timed-out', 2],
    ['still running', (b) => b, 'running', 2],
  ])('an execution that %s reports %s and exits %i', async (_, end, status, exitCode) => {
    const server = historyServer(end(new HistoryBuilder().started()).events);
    sfn.on(GetExecutionHistoryCommand).callsFake((input) => server.handle(input));
    const io = fakeIo();
    expect(await runCli(['status', EXECUTION_ARN, '--json'], io)).toBe(exitCode);
    expect(JSON.parse(io.out())).toMatchObject({ execution: EXECUTION_ARN, status, exitCode });
  });

  it('builds the report from a paginated history: plan, deployed revisions, outcome', async () => {
    const server = historyServer(successHistory().events, { pageSize: 7 });
    sfn.on(GetExecutionHistoryCommand).callsFake((input) => server.handle(input));
    const { report } = await reportFromHistory(new SFNClient({}), EXECUTION_ARN);
    expect(server.calls.length).toBeGreaterThan(3);
    expect(server.calls.every((c) => !c.reverseOrder)).toBe(true);
    expect(report).toEqual({
      execution: EXECUTION_ARN,
      status: 'deployed',
      exitCode: 0,
      gitsha: SHA,
      error: null,
      services: [
        {
          name: 'api',
          cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
          previousTaskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/api:41',
          taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/api:42',
          previousSha: '1111111',
          sha: SHA,
          outcome: 'deployed',
          reason: null,
          seconds: expect.any(Number),
        },
        expect.objectContaining({
          name: 'worker',
          taskDefinition: expect.stringMatching(/worker:8$/),
          outcome: 'deployed',
        }),
      ],
      scheduledTasks: [
        {
          rule: 'nightly',
          targets: [
            {
              id: 'job',
              previousTaskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/nightly:3',
              taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/nightly:4',
            },
          ],
          outcome: 'deployed',
          seconds: expect.any(Number),
        },
      ],
    });
  });

  it('says which service failed and why when the deployment was rolled back', async () => {
    const server = historyServer(rolledBackHistory().events, { pageSize: 1000 });
    sfn.on(GetExecutionHistoryCommand).callsFake((input) => server.handle(input));
    const io = fakeIo();
    expect(await runCli(['status', EXECUTION_ARN], io)).toBe(1);
    const out = io.out();
    expect(out).toContain('Rolled back (Gehen.RolledBack: The deployment failed;');
    expect(out).toMatch(/worker +worker:7 → worker:8 +rolled back: tasks keep stopping: Essential container exited/);
    expect(out).toMatch(/api +api:41 → api:42 +rolled back/);
    expect(out).toMatch(/nightly \(rule\) +nightly:3 → nightly:4 +rolled back/);
  });

  it('shows the message of a Lambda error cause, not its JSON', async () => {
    const events = new HistoryBuilder()
      .started()
      .failed(
        'Gehen.InvalidDeployment',
        JSON.stringify({ errorType: 'InvalidDeploymentError', errorMessage: 'no service api in cluster prod' }),
      ).events;
    const server = historyServer(events);
    sfn.on(GetExecutionHistoryCommand).callsFake((input) => server.handle(input));
    const { report } = await reportFromHistory(new SFNClient({}), EXECUTION_ARN);
    expect(report.error).toEqual({ code: 'Gehen.InvalidDeployment', message: 'no service api in cluster prod' });
    expect(report.services.map((s) => s.outcome)).toEqual(['not-started', 'not-started']);
  });

  it('attributes a failed Deploy Services iteration to its service', async () => {
    const b = new HistoryBuilder().started();
    const { PLAN } = await import('./fixtures');
    b.state('Task', 'Prepare Deployment', {}, { plan: PLAN, deployed: [], scheduled: [] });
    b.failedIteration(
      'Deploy Services',
      1,
      'DeploymentFailedError',
      'failed to update service worker: ServiceNotActiveException',
      () => {},
    );
    const server = historyServer(b.events);
    sfn.on(GetExecutionHistoryCommand).callsFake((input) => server.handle(input));
    const { report } = await reportFromHistory(new SFNClient({}), EXECUTION_ARN);
    expect(report.services.find((s) => s.name === 'worker')).toMatchObject({
      outcome: 'failed',
      reason: 'failed to update service worker: ServiceNotActiveException',
    });
  });

  it('rejects something that is not an execution ARN without calling AWS', async () => {
    const io = fakeIo();
    expect(await runCli(['status', 'abc1234'], io)).toBe(1);
    expect(io.err()).toContain('not an execution ARN: abc1234');
    expect(sfn.calls()).toHaveLength(0);
  });
});
