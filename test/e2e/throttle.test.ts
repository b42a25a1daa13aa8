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

// A 200-service deploy under `throttling: aws` takes at least 200 s (RegisterTaskDefinition: burst 20,
// then 1 a second): the bench measures it (npm run bench, "200 services, throttling: aws"), and
// test/e2e/register-throttling.test.ts proves the retry budget on 100 services.
