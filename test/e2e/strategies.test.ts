import { ListServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import type { FleetInput } from '../../sandbox';
import { demoConfig, demoService, nightlyReport, probedServices } from './fleets';
import { type E2e, startE2e } from './harness';

/**
 * Each ECS strategy deploys, is verified and drained, and rolls back onto the exact previous
 * revision; an alarm ECS rolls back on is reported as ECS's rollback, and gehen rolls back the
 * rest.
 * The fleet keys mirror ECS's own names (sandbox/README.md).
 */

type Strategy = 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY';

const STRATEGIES: Record<Strategy, Record<string, unknown>> = {
  ROLLING: { strategy: 'ROLLING' },
  BLUE_GREEN: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 },
  LINEAR: {
    strategy: 'LINEAR',
    bakeTimeInMinutes: 1,
    linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 1 },
  },
  CANARY: {
    strategy: 'CANARY',
    bakeTimeInMinutes: 1,
    canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 },
  },
};

const NAMES: Record<Strategy, string> = { ROLLING: 'roll', BLUE_GREEN: 'blue', LINEAR: 'line', CANARY: 'bird' };

function fleet(): FleetInput {
  return {
    // ECS's bake times, ten thousand times faster.
    timing: { scale: 0.0001 },
    faults: { bad0000: 'crash', a1a1a1a: { alarm: 'HighErrorRate' } },
    services: (Object.keys(STRATEGIES) as Strategy[]).map((strategy) =>
      demoService(NAMES[strategy], {
        desiredCount: 2,
        listen: 0,
        ...(strategy !== 'ROLLING' && { testListen: 0 }),
        deploymentConfiguration: {
          ...STRATEGIES[strategy],
          ...(strategy !== 'ROLLING' && { alarms: { alarmNames: ['HighErrorRate'], enable: true, rollback: true } }),
        },
      } as never),
    ),
    scheduledTasks: [nightlyReport],
  } as unknown as FleetInput;
}

describe('ECS-native strategies', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(fleet());
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

  test.each(Object.keys(STRATEGIES) as Strategy[])('%s deploys, verifies and drains', async (strategy) => {
    const name = NAMES[strategy];

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

  // One deployment of all four: a bad SHA rolls every strategy back onto its exact previous
  // revision. LINEAR and CANARY take longest: their verify phase gets the traffic shift's bake time
  // on top of timeoutMinutes (docs/steps.md), in real minutes, whatever the sandbox's time scale.
  it('rolls a bad SHA back to the exact previous revision, whatever the strategy', async () => {
    const names = Object.values(NAMES);
    const before = await Promise.all(names.map(async (n) => (await e2e.service(n)).taskDefinition));

    const { code, report } = await e2e.deploy('bad0000', config(names));

    expect({ exit: code, error: report.error?.code }).toEqual({ exit: 1, error: 'Gehen.RolledBack' });
    const after = await Promise.all(names.map((n) => e2e.service(n)));
    expect(after.map((s) => s.taskDefinition)).toEqual(before);
    expect(after.map((s) => s.deployments?.map((d) => d.taskDefinition))).toEqual(before.map((b) => [b]));
  }, 300_000);

  it('reports an alarm rollback as ECS’s, and rolls back everything else', async () => {
    const names = Object.values(NAMES);
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
