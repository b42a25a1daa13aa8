import type { Deployment } from '@aws-sdk/client-ecs';
import {
  deploymentFailure,
  ECS_READ_LAG_SECONDS,
  expectedServices,
  newRevisionLive,
} from '../../../lambdas/shared/verify/round';
import {
  deployment,
  ecsService,
  makePlan,
  plannedService,
  ROUND_ONE,
  roundInput,
  taskDefinitionArn,
} from './round-fixtures';

const NEW = taskDefinitionArn('worker', 2);
const OLD = taskDefinitionArn('worker', 1);
const worker = plannedService('worker');
/** The phase's first round runs at NOW; ROUND_ONE's deadline is NOW + the plan's 600 s. */
const NOW = new Date('2030-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

describe('newRevisionLive (a service without a url)', () => {
  const [expected] = expectedServices(roundInput(makePlan([worker])));
  // Ten tasks, maximumPercent 120: ECS replaces two at a time.
  test.each<[string, Deployment[], boolean]>([
    ['live: COMPLETED', [deployment(NEW, { desiredCount: 10, runningCount: 10 })], true],
    [
      'live: all new tasks run and ECS wants no old one: only draining is left',
      [
        deployment(NEW, { desiredCount: 10, runningCount: 10, rolloutState: 'IN_PROGRESS' }),
        deployment(OLD, { status: 'ACTIVE', desiredCount: 0, runningCount: 2, rolloutState: 'COMPLETED' }),
      ],
      true,
    ],
    [
      'not live: the last batch runs but is not healthy yet: ECS still wants two old tasks',
      [
        deployment(NEW, { desiredCount: 10, runningCount: 10, rolloutState: 'IN_PROGRESS' }),
        deployment(OLD, { status: 'ACTIVE', desiredCount: 2, runningCount: 2, rolloutState: 'COMPLETED' }),
      ],
      false,
    ],
    [
      'not live: the second batch is starting',
      [
        deployment(NEW, { desiredCount: 10, runningCount: 2, pendingCount: 2, rolloutState: 'IN_PROGRESS' }),
        deployment(OLD, { status: 'ACTIVE', desiredCount: 8, runningCount: 8, rolloutState: 'COMPLETED' }),
      ],
      false,
    ],
    [
      'not live: a replacement task is pending',
      [deployment(NEW, { desiredCount: 10, runningCount: 10, pendingCount: 1, rolloutState: 'IN_PROGRESS' })],
      false,
    ],
    ['not live: the circuit breaker failed it', [deployment(NEW, { rolloutState: 'FAILED' })], false],
    ['not live: the PRIMARY runs the old revision', [deployment(OLD)], false],
    [
      'live: no rolloutState (another controller), all running',
      [deployment(NEW, { desiredCount: 2, runningCount: 2, rolloutState: undefined })],
      true,
    ],
  ])('%s', (_name, deployments, live) => {
    expect(newRevisionLive(expected as never, ecsService(worker, deployments))).toBe(live);
  });
});

describe('deploymentFailure while ECS reads may lag the UpdateService gehen just made', () => {
  // DescribeServices still shows the service as it was: the old revision PRIMARY, created long before.
  const stale = ecsService(worker, [deployment(OLD, { createdAt: new Date('2029-12-31T00:00:00.000Z') })]);
  // ECS's circuit breaker rolled back: a new PRIMARY deployment of the old revision, created after gehen's.
  const rolledBack = ecsService(worker, [deployment(OLD, { createdAt: at(5) })]);

  test.each<[string, Date, typeof stale, boolean]>([
    ['a stale read on the first round waits', NOW, stale, false],
    ['a stale read just inside the grace period waits', at(ECS_READ_LAG_SECONDS - 1), stale, false],
    ['the same read once the grace period is over fails', at(ECS_READ_LAG_SECONDS), stale, true],
    ['a rollback by ECS fails, even early in the phase', at(10), rolledBack, true],
  ])('%s', (_name, now, service, fails) => {
    const first = now.getTime() === NOW.getTime();
    const input = roundInput(makePlan([worker]), { round: first ? null : ROUND_ONE });
    const [expected] = expectedServices(input, now);

    const failure = deploymentFailure(expected as never, service);

    if (fails) expect(failure).toBe(`ECS no longer deploys ${NEW}: the PRIMARY deployment runs ${OLD}`);
    else expect(failure).toBeNull();
  });

  it('does not forgive a missing deployment when the round does not know the time', () => {
    const [expected] = expectedServices(roundInput(makePlan([worker])));
    expect(deploymentFailure(expected as never, stale)).not.toBeNull();
  });
});
