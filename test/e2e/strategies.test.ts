import { ListServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import { demoConfig, probedServices } from './fleets';
import { type E2e, startE2e } from './harness';
import { STRATEGY_NAMES, type Strategy, strategiesFleet } from './strategy-fleet';

/**
 * Each ECS strategy deploys, is verified and drained; an alarm ECS rolls back on is reported as
 * ECS's rollback, and gehen rolls back the rest. (A bad SHA's rollback of every strategy:
 * strategies-rollback.test.ts.)
 */
describe('ECS-native strategies', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(strategiesFleet());
  });
  afterAll(() => e2e?.close());

  const config = (names: string[], rule = false) =>
    e2e.config(
      demoConfig({
        services: probedServices(e2e, names),
        scheduledTasks: rule ? ['nightly-report'] : [],
        timeoutMinutes: 1,
      }),
      `${names.join('-')}${rule ? '-rule' : ''}.yml`,
    );

  test.each(Object.keys(STRATEGY_NAMES) as Strategy[])('%s deploys, verifies and drains', async (strategy) => {
    const name = STRATEGY_NAMES[strategy];

    const { code, report } = await e2e.deploy('c0ffee1', config([name]));

    expect({ exit: code, status: report.status }).toEqual({ exit: 0, status: 'deployed' });
    const service = await e2e.service(name);
    expect(await e2e.images(service.taskDefinition ?? '')).toEqual({ [name]: expect.stringMatching(/:c0ffee1$/) });
    // Drained means ECS finished the deployment, bake time included.
    const [deployment] =
      (await e2e.ecs.send(new ListServiceDeploymentsCommand({ cluster: 'demo', service: name, maxResults: 1 })))
        .serviceDeployments ?? [];
    expect(deployment?.status).toBe('SUCCESSFUL');
  });

  it('reports an alarm rollback as ECS’s, and rolls back everything else', async () => {
    const names = Object.values(STRATEGY_NAMES);
    const before = await Promise.all(names.map(async (n) => (await e2e.service(n)).taskDefinition));
    const targetsBefore = await e2e.targets('nightly-report');

    const { code, report } = await e2e.deploy('a1a1a1a', config(names, true));

    expect(code).toBe(1);
    const history = JSON.stringify(await e2e.history(report.execution ?? ''));
    expect(history).toMatch(/rolled back by ECS: alarm HighErrorRate/);
    expect(await Promise.all(names.map(async (n) => (await e2e.service(n)).taskDefinition))).toEqual(before);
    expect(await e2e.targets('nightly-report')).toEqual(targetsBefore);
  });
});
