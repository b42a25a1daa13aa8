import { benchConfig, benchFleet } from '../../bench/bench-fleet';
import { demoConfig, demoService, FAST, nightlyReport, probedServices } from './fleets';
import { type E2e, startE2e } from './harness';

const served = (name: string, listen?: number) => demoService(name, { desiredCount: 2, listen });

describe('gehen deploy against a throttling AWS', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      services: [served('api', 0), served('web', 0), served('worker')],
      scheduledTasks: [nightlyReport],
      timing: FAST,
      throttle: 0.3,
    });
  });
  afterAll(() => e2e.close());

  it('still deploys when 30% of ECS and EventBridge calls are throttled', async () => {
    const path = e2e.config(
      demoConfig({ services: probedServices(e2e, ['api', 'web', 'worker']), scheduledTasks: ['nightly-report'] }),
    );

    const { code } = await e2e.deploy('2222222', path);

    expect(code).toBe(0);
    const { throttled } = e2e.sandbox.stats();
    // The fleet really did throttle the deployment's own ECS and EventBridge calls.
    expect(Object.values(throttled).reduce((sum, n) => sum + n, 0)).toBeGreaterThan(5);
    for (const name of ['api', 'web', 'worker']) {
      const service = await e2e.service(name);
      expect(service.deployments?.map((d) => d.taskDefinition)).toEqual([
        expect.stringMatching(new RegExp(`task-definition/${name}:2$`)),
      ]);
    }
    expect(await e2e.targets('nightly-report')).toEqual([
      { id: 'report', taskDefinition: expect.stringMatching(/task-definition\/report:2$/) },
    ]);
  });
});

describe("gehen deploy against ECS's token buckets (throttling: aws)", () => {
  // No product issue yet. Prepare describes every current revision (220 here: 200 services and 20
  // rules) 8 at a time; DescribeTaskDefinition's bucket (burst 50, 20 a second) throttles hundreds of
  // them, the SDK's 3 attempts give up, and the step's retry re-describes all 220 each time, so the
  // deploy ends Gehen.InvalidDeployment in Prepare (npm run bench, "200 services, throttling: aws",
  // docs/performance.md). Once fixed this takes at least 200 s (RegisterTaskDefinition: burst 20,
  // then 1 a second): keep it out of `npm test` and let the bench row measure it.
  test.skip('deploys 200 services and 20 scheduled tasks [skipped: no issue yet: Prepare does not pace DescribeTaskDefinition under throttling]', async () => {
    const fleet = benchFleet({ services: 200, throttling: 'aws' });
    const e2e = await startE2e(fleet);
    try {
      const path = e2e.config(benchConfig(fleet, e2e.sandbox.loadBalancers, { pollIntervalSeconds: 1 }));
      const { code, report } = await e2e.deploy('2222222', path);
      expect({ code, error: report.error }).toEqual({ code: 0, error: null });
      expect(await e2e.service('svc-200', 'cluster-4')).toMatchObject({
        taskDefinition: expect.stringMatching(/task-definition\/svc-200:2$/),
      });
    } finally {
      await e2e.close();
    }
  }, 600_000);
});
