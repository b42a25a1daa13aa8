import { type E2e, startE2e, taskDefinition } from './harness';

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

const served = (name: string, listen?: number) => ({
  name,
  cluster: 'demo',
  desiredCount: 2,
  listen,
  taskDefinition: taskDefinition(name, [name, `${ECR}/${name}:1111111`]),
});

describe('gehen deploy against a throttling AWS', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      services: [served('api', 0), served('web', 0), served('worker')],
      scheduledTasks: [
        {
          rule: 'nightly-report',
          scheduleExpression: 'rate(1 day)',
          targets: [
            {
              id: 'report',
              cluster: 'demo',
              taskDefinition: taskDefinition('report', ['report', `${ECR}/report:1111111`]),
            },
          ],
        },
      ],
      timing: { taskStartSeconds: 0.2, drainSeconds: 0.3 },
      throttle: 0.3,
    });
  });
  afterAll(() => e2e.close());

  it('still deploys when 30% of ECS and EventBridge calls are throttled', async () => {
    const path = e2e.config(`services:
  api:
    cluster: demo
    url: ${e2e.sandbox.loadBalancers.api}/
  web:
    cluster: demo
    url: ${e2e.sandbox.loadBalancers.web}/
  worker:
    cluster: demo
scheduledTasks:
  nightly-report:
timeoutMinutes: 1
pollIntervalSeconds: 1
requiredMatches: 2
`);

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
