import { circuitBreaker, demoConfig, demoService, ECR, FAST, itOn, nightlyReport, onProfile, PROFILES } from './fleets';
import { type E2e, startE2e, taskDefinition } from './harness';

describe.each(PROFILES)('gehen deploy on the sandbox (%s)', (profile) => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(
      onProfile(profile, {
        services: [
          demoService('api', { desiredCount: 2, listen: 0 }),
          demoService('web', { desiredCount: 2, listen: 0 }),
          demoService('worker', {
            desiredCount: 1,
            circuitBreaker,
            taskDefinition: taskDefinition(
              'worker',
              ['worker', `${ECR}/worker:1111111`],
              ['log-router', 'fluent-bit:2.32.0'],
            ),
          }),
        ],
        scheduledTasks: [nightlyReport],
        timing: FAST,
        faults: { bad0000: 'crash' },
      }),
    );
  });
  afterAll(() => e2e.close());

  function config(): string {
    return e2e.config(
      demoConfig({
        services: {
          api: { url: `${e2e.sandbox.loadBalancers.api}/ping` },
          web: { url: `${e2e.sandbox.loadBalancers.web}/` },
          worker: { containers: ['worker'] },
        },
        scheduledTasks: ['nightly-report'],
        // Realistic rollouts share two cores with another jest worker: room to finish.
        timeoutMinutes: profile === 'realistic' ? 1.5 : 1,
      }),
    );
  }

  const realisticFails = itOn(profile);

  realisticFails('deploys three services and a scheduled task, and a Task really ran', async () => {
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
    const report = JSON.parse(run.stdout);
    // The whole report on a mismatch: its error says which phase ended the run.
    expect({ exit: run.code, ...report }).toMatchObject({ exit: 1, status: 'rolled-back' });
    // Rolled back for the crash (ECS's circuit breaker failed worker's deployment), not for any other error.
    expect(report.services.map((s: { reason: string | null }) => s.reason)).toEqual([
      null,
      null,
      expect.stringMatching(/circuit breaker/),
    ]);
    const after = await Promise.all(['api', 'web', 'worker'].map((name) => e2e.service(name)));
    expect(after.map((s) => s.taskDefinition)).toEqual(before.map((s) => s.taskDefinition));
    expect(await e2e.targets('nightly-report')).toEqual(targetsBefore);
  });
});
