import { type E2e, startE2e, taskDefinition } from './harness';

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const circuitBreaker = { enable: true, rollback: false };

describe('gehen deploy on the sandbox', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      services: [
        {
          name: 'api',
          cluster: 'demo',
          desiredCount: 2,
          listen: 0,
          taskDefinition: taskDefinition('api', ['api', `${ECR}/api:1111111`]),
        },
        {
          name: 'web',
          cluster: 'demo',
          desiredCount: 2,
          listen: 0,
          taskDefinition: taskDefinition('web', ['web', `${ECR}/web:1111111`]),
        },
        {
          name: 'worker',
          cluster: 'demo',
          desiredCount: 1,
          circuitBreaker,
          taskDefinition: taskDefinition(
            'worker',
            ['worker', `${ECR}/worker:1111111`],
            ['log-router', 'fluent-bit:2.32.0'],
          ),
        },
      ],
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
      faults: { bad0000: 'crash' },
    });
  });
  afterAll(() => e2e.close());

  function config(): string {
    return e2e.config(`services:
  api:
    cluster: demo
    url: ${e2e.sandbox.loadBalancers.api}/ping
  web:
    cluster: demo
    url: ${e2e.sandbox.loadBalancers.web}/
  worker:
    cluster: demo
    containers: [worker]
scheduledTasks:
  nightly-report:
timeoutMinutes: 1
pollIntervalSeconds: 1
requiredMatches: 2
`);
  }

  it('deploys three services and a scheduled task, and a Task really ran', async () => {
    const run = await e2e.gehen(['deploy', '--gitsha', '2222222', '--path', config(), '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.status).toBe('deployed');
    for (const name of ['api', 'web', 'worker']) {
      const service = await e2e.service(name);
      expect(service.taskDefinition).toMatch(new RegExp(`task-definition/${name}:2$`));
      expect(service.deployments).toHaveLength(1);
    }
    expect(await e2e.targets('nightly-report')).toEqual([
      { id: 'report', taskDefinition: expect.stringMatching(/task-definition\/report:2$/) },
    ]);
    const response = await fetch(`${e2e.sandbox.loadBalancers.api}/`);
    expect(response.headers.get('server')).toBe('api-2222222');
  });

  it('rolls every service and the scheduled task back onto their exact previous revisions when the image crashes', async () => {
    const before = await Promise.all(['api', 'web', 'worker'].map((name) => e2e.service(name)));
    const targetsBefore = await e2e.targets('nightly-report');
    const run = await e2e.gehen(['deploy', '--gitsha', 'bad0000', '--path', config(), '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).status).toBe('rolled-back');
    const after = await Promise.all(['api', 'web', 'worker'].map((name) => e2e.service(name)));
    expect(after.map((s) => s.taskDefinition)).toEqual(before.map((s) => s.taskDefinition));
    expect(await e2e.targets('nightly-report')).toEqual(targetsBefore);
  });
});
