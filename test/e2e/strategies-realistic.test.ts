import type { FleetInput } from '../../sandbox';
import { demoConfig, demoService, nightlyReport, onProfile, probedServices } from './fleets';
import { type E2e, startE2e } from './harness';

/**
 * ECS-native strategies on the realistic profile (IAM enforced on the real policies, ECS's read
 * lag, AWS's token buckets, ALB timing at 1/100): a BLUE_GREEN and a CANARY service deploy and
 * drain, and an alarm ECS rolls the canary back on is reported as ECS's, with the rest rolled back.
 */

const ALARMS = { alarmNames: ['HighErrorRate'], enable: true, rollback: true };
const SERVICES = {
  blue: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1, alarms: ALARMS },
  bird: {
    strategy: 'CANARY',
    bakeTimeInMinutes: 1,
    canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 },
    alarms: ALARMS,
  },
};

function fleet(): FleetInput {
  return onProfile('realistic', {
    faults: { a1a1a1a: { alarm: 'HighErrorRate' } },
    services: Object.entries(SERVICES).map(([name, deploymentConfiguration]) =>
      demoService(name, { desiredCount: 2, listen: 0, testListen: 0, deploymentConfiguration } as never),
    ),
    scheduledTasks: [nightlyReport],
  } as unknown as FleetInput);
}

describe('ECS-native strategies on the realistic profile', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(fleet());
  });
  afterAll(() => e2e?.close());

  const names = Object.keys(SERVICES);
  const config = (file: string) =>
    e2e.config(
      demoConfig({ services: probedServices(e2e, names), scheduledTasks: ['nightly-report'], timeoutMinutes: 1.5 }),
      file,
    );

  it('deploys a BLUE_GREEN and a CANARY service and waits for their deployments to finish', async () => {
    const { code, report } = await e2e.deploy('c0ffee1', config('good.yml'));

    expect({ exit: code, status: report.status, report }).toMatchObject({ exit: 0, status: 'deployed' });
    for (const name of names) {
      expect(await e2e.images((await e2e.service(name)).taskDefinition ?? '')).toEqual({
        [name]: expect.stringMatching(/:c0ffee1$/),
      });
    }
  });

  it('reports an alarm rollback as ECS’s and rolls everything else back', async () => {
    const before = await Promise.all(names.map(async (n) => (await e2e.service(n)).taskDefinition));
    const targetsBefore = await e2e.targets('nightly-report');

    const { code, report } = await e2e.deploy('a1a1a1a', config('alarm.yml'));

    expect({ exit: code, error: report.error?.code }).toEqual({ exit: 1, error: 'Gehen.RolledBack' });
    expect(JSON.stringify(await e2e.history(report.execution ?? ''))).toMatch(
      /rolled back by ECS: alarm HighErrorRate/,
    );
    expect(await Promise.all(names.map(async (n) => (await e2e.service(n)).taskDefinition))).toEqual(before);
    expect(await e2e.targets('nightly-report')).toEqual(targetsBefore);
  });
});
