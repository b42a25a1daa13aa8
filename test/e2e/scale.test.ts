import { DescribeTasksCommand, paginateListTasks } from '@aws-sdk/client-ecs';
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
