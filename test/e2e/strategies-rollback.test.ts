import { demoConfig, probedServices } from './fleets';
import { type E2e, startE2e } from './harness';
import { STRATEGY_NAMES, strategiesFleet } from './strategy-fleet';

/**
 * One deployment of all four strategies: a bad SHA (its tasks crash, and no circuit breaker stops
 * ECS) rolls every strategy back onto its exact previous revision once the verify phase ends. That
 * phase lasts timeoutMinutes plus LINEAR's and CANARY's traffic-shift bakes, in real minutes: this
 * file's fleet bakes the shift 0 minutes, as the wait is not what it tests, so the phase ends after
 * its 30 s (strategies.test.ts deploys with 1-minute bakes; the verify rounds' unit tests check the
 * extension).
 */
describe('ECS-native strategies, a bad SHA', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(strategiesFleet({ shiftBakeMinutes: 0 }));
  });
  afterAll(() => e2e?.close());

  it('rolls a bad SHA back to the exact previous revision, whatever the strategy', async () => {
    const names = Object.values(STRATEGY_NAMES);
    const before = await Promise.all(names.map(async (n) => (await e2e.service(n)).taskDefinition));
    const path = e2e.config(demoConfig({ services: probedServices(e2e, names), timeoutMinutes: 0.5 }));

    const { code, report } = await e2e.deploy('bad0000', path);

    expect({ exit: code, error: report.error?.code }).toEqual({ exit: 1, error: 'Gehen.RolledBack' });
    const after = await Promise.all(names.map((n) => e2e.service(n)));
    expect(after.map((s) => s.taskDefinition)).toEqual(before);
    expect(after.map((s) => s.deployments?.map((d) => d.taskDefinition))).toEqual(before.map((b) => [b]));
  });
});
