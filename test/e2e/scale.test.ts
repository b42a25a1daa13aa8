import { DescribeTasksCommand, paginateListTasks } from '@aws-sdk/client-ecs';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { benchConfig, benchFleet, CRASHING_SHA } from '../../bench/bench-fleet';
import { benchPlan, largestFittingFleet } from '../../bench/largest-fleet';
import { MAX_STATE_BYTES, stateSizeProblem } from '../../lambdas/shared/contracts/state-size';
import { StateNames } from '../../lib/state-names';
import { demoConfig, demoService, FAST } from './fleets';
import { type E2e, enteredStates, startE2e } from './harness';

const CLUSTERS = ['blue', 'green', 'red'];
const small = Array.from({ length: 30 }, (_, i) => ({
  name: `svc-${String(i).padStart(2, '0')}`,
  cluster: CLUSTERS[i % CLUSTERS.length],
}));

/** The ECS reads a poll round makes: services in batches of 10, tasks only for rollouts it cannot judge. */
const ROUND_READS = ['ecs:DescribeServices', 'ecs:ListTasks', 'ecs:DescribeTasks'];

describe('gehen deploy at scale', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      services: [
        demoService('big', { cluster: 'big', desiredCount: 150 }),
        ...small.map(({ name, cluster }) => demoService(name, { cluster })),
      ],
      timing: FAST,
    });
  });
  afterAll(() => e2e.close());

  it('deploys a service of 150 tasks and drains all of the old ones', async () => {
    const path = e2e.config(demoConfig({ services: { big: { cluster: 'big' } }, requiredMatches: null }), 'big.yml');

    const { code } = await e2e.deploy('2222222', path);

    expect(code).toBe(0);
    const service = await e2e.service('big', 'big');
    expect(service.taskDefinition).toMatch(/task-definition\/big:2$/);
    expect(service.deployments?.map((d) => [d.status, d.runningCount, d.rolloutState])).toEqual([
      ['PRIMARY', 150, 'COMPLETED'],
    ]);
    // Every running task, over ListTasks' pages of 100, runs the new revision.
    const pages: string[][] = [];
    for await (const page of paginateListTasks(
      { client: e2e.ecs },
      { cluster: 'big', serviceName: 'big', desiredStatus: 'RUNNING' },
    )) {
      pages.push(page.taskArns ?? []);
    }
    expect(pages.map((p) => p.length)).toEqual([100, 50]);
    const described = await Promise.all(
      pages.map((tasks) => e2e.ecs.send(new DescribeTasksCommand({ cluster: 'big', tasks }))),
    );
    const revisions = new Set(described.flatMap((d) => d.tasks ?? []).map((t) => t.taskDefinitionArn));
    expect([...revisions]).toEqual([service.taskDefinition]);
  });

  it('reads ECS at most 0.3 times per service per poll round for 30 services on 3 clusters', async () => {
    const services = Object.fromEntries(small.map(({ name, cluster }) => [name, { cluster }]));
    const path = e2e.config(demoConfig({ services, requiredMatches: null }), 'small.yml');
    await e2e.resetCalls();

    const { code, report } = await e2e.deploy('3333333', path);

    expect(code).toBe(0);
    const calls = await e2e.calls();
    const states = enteredStates(await e2e.history(report.execution ?? ''));
    const rounds = states.filter((name) => name === StateNames.probe || name === StateNames.checkDrain).length;
    expect(rounds).toBeGreaterThanOrEqual(2);
    // Prepare's DescribeServices are counted too: the bound holds for the whole execution.
    const reads = ROUND_READS.reduce((sum, call) => sum + (calls[call] ?? 0), 0);
    expect(reads / (small.length * rounds)).toBeLessThanOrEqual(0.3);
    for (const { name, cluster } of small) {
      expect((await e2e.service(name, cluster)).taskDefinition).toMatch(new RegExp(`task-definition/${name}:2$`));
    }
  });
});

/**
 * The largest fleet of 200-character names, each with a 300-character url, whose worst-case state
 * Prepare accepts (bench/largest-fleet.ts): its deploy and its rollback keep every state, Lambda
 * payload and result in the history under Step Functions' 256 KiB, measured event by event.
 */
describe('the largest fleet of long names that fits', () => {
  const shape = { nameLength: 200, urlLength: 300, clusters: 4 };
  const services = largestFittingFleet(shape);
  let e2e: E2e;
  let path: string;
  beforeAll(async () => {
    const fleet = benchFleet({
      services,
      clusters: shape.clusters,
      nameLength: shape.nameLength,
      loadBalancerEvery: 1,
      scheduledTasks: 0,
    });
    e2e = await startE2e({ ...fleet, timing: FAST });
    path = e2e.config(
      benchConfig(fleet, e2e.sandbox.loadBalancers, {
        pollIntervalSeconds: 1,
        requiredMatches: 2,
        urlLength: shape.urlLength,
      }),
      'long.yml',
    );
  }, 120_000);
  afterAll(() => e2e.close());

  it('is refused one service larger, by bytes, before anything changes', () => {
    expect(stateSizeProblem(benchPlan(services + 1, shape))).toMatch(/can reach \d+ bytes .*allows 262144/);
    expect(services).toBeGreaterThanOrEqual(50);
  });

  it.each([
    ['deploys', '2222222', 0],
    ['rolls back', CRASHING_SHA, 1],
  ])(
    '%s with every state under 256 KiB',
    async (_, sha, exitCode) => {
      const { code, report } = await e2e.deploy(sha, path);

      expect(code).toBe(exitCode);
      expect(report.services).toHaveLength(services);
      const largest = Math.max(...(await e2e.history(report.execution ?? '')).map(largestPayload));
      expect(largest).toBeLessThanOrEqual(MAX_STATE_BYTES);
    },
    300_000,
  );
});

/** The largest input, output, parameters or result an event carries, in UTF-8 bytes. */
function largestPayload(event: HistoryEvent): number {
  return Math.max(
    0,
    ...Object.entries(event)
      .filter(([key, value]) => key.endsWith('EventDetails') && typeof value === 'object' && value !== null)
      .flatMap(([, details]) =>
        ['input', 'output', 'parameters'].map((field) => (details as Record<string, unknown>)[field]),
      )
      .map((text) => (typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : 0)),
  );
}
