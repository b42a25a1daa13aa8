import { mapWithConcurrency } from '../../../lambdas/shared/map-with-concurrency';
import {
  deploymentFailure,
  expectedServices,
  phaseDeadline,
  shaMatches,
  summarizeRound,
  type Verdict,
} from '../../../lambdas/shared/verify/round';
import {
  deployment,
  ecsService,
  GITSHA,
  makePlan,
  OLD_SHA,
  plannedService,
  ROUND_ONE,
  roundInput,
  taskDefinitionArn,
} from './round-fixtures';

const NOW = new Date('2030-01-01T00:00:00.000Z');

describe('phaseDeadline', () => {
  it('sets the deadline on the first round of a phase', () => {
    expect(phaseDeadline(null, NOW, 300)).toBe('2030-01-01T00:05:00.000Z');
  });

  it('keeps the deadline of the phase on later rounds instead of restarting the timeout', () => {
    const later = new Date('2030-01-01T00:09:00.000Z');
    expect(phaseDeadline(ROUND_ONE, later, 600)).toBe(ROUND_ONE.deadline);
  });

  it('sets it when the phase starts with a round whose deadline is still null', () => {
    expect(phaseDeadline({ ...ROUND_ONE, round: 0, deadline: null }, NOW, 60)).toBe('2030-01-01T00:01:00.000Z');
  });
});

describe('summarizeRound', () => {
  const done = (service: string): Verdict => ({ service, state: 'done' });
  const waiting = (service: string): Verdict => ({ service, state: 'waiting' });
  const failed = (service: string): Verdict => ({ service, state: 'failed', reason: 'boom' });
  const before = '2030-01-01T00:10:00.000Z';
  const passed = '2029-12-31T23:59:59.000Z';

  test.each([
    { verdicts: [done('a'), done('b')], deadline: before, status: 'done' },
    { verdicts: [done('a'), waiting('b')], deadline: before, status: 'waiting' },
    { verdicts: [done('a'), waiting('b')], deadline: passed, status: 'expired' },
    { verdicts: [done('a'), done('b')], deadline: passed, status: 'done' },
    { verdicts: [failed('a'), waiting('b')], deadline: before, status: 'failed' },
    { verdicts: [failed('a'), waiting('b')], deadline: passed, status: 'failed' },
    { verdicts: [], deadline: before, status: 'done' },
  ] as const)('$verdicts.length services, deadline $deadline → $status', ({ verdicts, deadline, status }) => {
    expect(summarizeRound(verdicts, null, deadline, NOW).status).toBe(status);
  });

  it('tells why a service never got anywhere when its phase expires, and not before', () => {
    const unreachable: Verdict = {
      service: 'api',
      state: 'waiting',
      reason:
        'cannot reach https://api.internal/ping from the probe (connect timeout): if it is private, give the probe a VPC',
    };
    const verdicts = [unreachable, waiting('web')];
    expect(summarizeRound(verdicts, null, before, NOW)).toMatchObject({ status: 'waiting', failures: [] });
    expect(summarizeRound(verdicts, null, passed, NOW)).toMatchObject({
      status: 'expired',
      failures: [{ service: 'api', reason: unreachable.reason }],
    });
  });

  it('counts rounds and keeps the console summary small', () => {
    const verdicts = [
      done('a'),
      ...Array.from({ length: 25 }, (_, i) => waiting(`w${i}`)),
      ...Array.from(
        { length: 30 },
        (_, i): Verdict => ({ service: `f${i}`, state: 'failed', reason: 'x'.repeat(1000) }),
      ),
    ];
    const state = summarizeRound(verdicts, ROUND_ONE, before, NOW);
    expect(state).toMatchObject({ round: 2, deadline: before, done: 1, total: 56 });
    expect(state.waiting).toHaveLength(10);
    expect(state.failures.length).toBeLessThanOrEqual(20);
    expect(JSON.stringify(state).length).toBeLessThan(8000);
  });

  it('keeps 200 waiting services far below the state payload limit', () => {
    const verdicts = Array.from({ length: 200 }, (_, i) => waiting(`service-with-a-long-name-${i}`));
    expect(JSON.stringify(summarizeRound(verdicts, null, before, NOW)).length).toBeLessThan(1000);
  });
});

describe('shaMatches', () => {
  test.each([
    { expected: GITSHA, observed: GITSHA, matches: true },
    { expected: GITSHA, observed: GITSHA.slice(0, 7), matches: true },
    { expected: GITSHA.slice(0, 7), observed: GITSHA, matches: true },
    { expected: GITSHA, observed: GITSHA.toUpperCase(), matches: true },
    { expected: GITSHA, observed: ` ${GITSHA.slice(0, 12)}\n`, matches: true },
    { expected: GITSHA, observed: GITSHA.slice(0, 6), matches: false },
    { expected: GITSHA, observed: '', matches: false },
    { expected: GITSHA, observed: OLD_SHA, matches: false },
    { expected: GITSHA, observed: `${GITSHA.slice(0, 7)}0`, matches: false },
  ])('expected $expected, observed "$observed" → $matches', ({ expected, observed, matches }) => {
    expect(shaMatches(expected, observed)).toBe(matches);
  });
});

describe('mapWithConcurrency', () => {
  it('never runs more than the limit at once and keeps the input order', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapWithConcurrency(
      Array.from({ length: 40 }, (_, i) => i),
      4,
      async (n) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        return n * 2;
      },
    );
    expect(most).toBe(4);
    expect(results).toEqual(Array.from({ length: 40 }, (_, i) => i * 2));
  });

  it('handles an empty list', async () => {
    await expect(mapWithConcurrency([], 16, async () => 1)).resolves.toEqual([]);
  });
});

describe('expectedServices', () => {
  const api = plannedService('api', { url: 'http://api.example' });
  const worker = plannedService('worker', { previousSha: null });

  it('expects the deployed revision and the new SHA', () => {
    const [first] = expectedServices(roundInput(makePlan([api])));
    expect(first).toMatchObject({ taskDefinition: taskDefinitionArn('api', 2), sha: GITSHA, updated: true });
  });

  it('expects the recorded previous revision and SHA for a rollback', () => {
    const input = roundInput(makePlan([api, worker]), { expect: 'previous' });
    expect(expectedServices(input)).toMatchObject([
      { name: 'api', taskDefinition: taskDefinitionArn('api', 1), sha: OLD_SHA },
      { name: 'worker', taskDefinition: taskDefinitionArn('worker', 1), sha: null },
    ]);
  });

  it('expects any revision when updateStrategy none changed nothing', () => {
    const [first] = expectedServices(roundInput(makePlan([api], { updateStrategy: 'none' })));
    expect(first).toMatchObject({ taskDefinition: null, sha: GITSHA, updated: false });
  });
});

describe('deploymentFailure', () => {
  const api = plannedService('api');
  const [expected] = expectedServices(roundInput(makePlan([api])));
  const next = taskDefinitionArn('api', 2);
  const previous = taskDefinitionArn('api', 1);

  test.each([
    { name: 'a rollout in progress', deployments: [deployment(next, { rolloutState: 'IN_PROGRESS' })], failure: null },
    {
      name: 'the circuit breaker failing the new revision',
      deployments: [
        deployment(previous, { rolloutState: 'IN_PROGRESS' }),
        deployment(next, { status: 'ACTIVE', rolloutState: 'FAILED', rolloutStateReason: 'tasks failed to start' }),
      ],
      failure: /^ECS failed the deployment of api:2 .*: tasks failed to start$/,
    },
    {
      name: 'ECS having rolled back by itself',
      deployments: [deployment(previous)],
      failure: /no longer deploys .*api:2: the PRIMARY deployment runs .*api:1/,
    },
  ])('$name', ({ deployments, failure }) => {
    const result = deploymentFailure(expected as NonNullable<typeof expected>, ecsService(api, deployments));
    if (failure === null) expect(result).toBeNull();
    else expect(result).toMatch(failure);
  });

  it('fails a service that is no longer ACTIVE', () => {
    const service = { ...ecsService(api, []), status: 'INACTIVE' };
    expect(deploymentFailure(expected as NonNullable<typeof expected>, service)).toBe('service api is INACTIVE');
  });
});
