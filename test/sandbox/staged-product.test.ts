import { demoConfig, demoService, FAST } from '../e2e/fleets';
import { type E2e, startE2e } from '../e2e/harness';

// Today's gehen (a rolling-update deploy) against services ECS deploys natively: what a user
// meets before issue 16's product work lands.

describe('gehen deploy to ECS-native strategies (the sandbox models of issue 16)', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      services: [
        demoService('api', {
          desiredCount: 2,
          listen: 0,
          testListen: 0,
          deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0.01 },
        }),
        demoService('web', {
          desiredCount: 2,
          listen: 0,
          testListen: 0,
          deploymentConfiguration: {
            strategy: 'CANARY',
            canaryConfiguration: { canaryPercent: 50, canaryBakeTimeInMinutes: 0.01 },
          },
        }),
      ],
      timing: FAST,
    });
  });
  afterAll(() => e2e.close());

  it('deploys a BLUE_GREEN and a CANARY service, bake times included', async () => {
    const config = e2e.config(
      demoConfig({
        services: {
          api: { url: `${e2e.sandbox.loadBalancers.api}/` },
          web: { url: `${e2e.sandbox.loadBalancers.web}/` },
        },
      }),
    );
    const run = await e2e.gehen(['deploy', '--gitsha', '2222222', '--path', config, '--json']);
    expect(run.code).toBe(0);
    for (const name of ['api', 'web']) {
      const service = await e2e.service(name);
      expect(service.taskDefinition).toMatch(new RegExp(`task-definition/${name}:2$`));
    }
  });
});
