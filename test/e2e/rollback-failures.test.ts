import { circuitBreaker, demoConfig, demoService, FAST, probedServices } from './fleets';
import { type E2e, startE2e } from './harness';

/** A service behind a load balancer, with two tasks and a circuit breaker. */
const served = (name: string) => demoService(name, { desiredCount: 2, listen: 0, circuitBreaker });

describe('gehen deploy when one service cannot be rolled back', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      services: [served('alpha'), served('beta'), served('gamma')],
      timing: FAST,
      faults: { a1a1a1a: 'unhealthy' },
      // Putting alpha back on its previous revision is refused, every time; its deploy is not.
      apiFaults: [
        {
          operation: 'UpdateService',
          match: { service: 'alpha', taskDefinition: 'alpha:1' },
          error: 'AccessDeniedException',
          message: 'not authorized to perform ecs:UpdateService',
          count: 0,
        },
      ],
    });
  });
  afterAll(() => e2e.close());

  it('puts every other service back, then ends Rollback Failed naming the one left and what it runs', async () => {
    const path = e2e.config(demoConfig({ services: probedServices(e2e, ['alpha', 'beta', 'gamma']) }));
    const before = await Promise.all(['beta', 'gamma'].map(async (name) => (await e2e.service(name)).taskDefinition));

    const { code, report } = await e2e.deploy('a1a1a1a', path);

    // Something is left on the failed version: not "failed and restored".
    expect(code).toBe(2);
    expect(report.error?.code).toBe('Gehen.RollbackFailed');
    expect(report.error?.message).toMatch(/1 not restored: service alpha \(runs alpha:2\): .*AccessDeniedException/);
    // The others were rolled back, verified and drained: on their exact previous revision alone.
    for (const [index, name] of ['beta', 'gamma'].entries()) {
      const service = await e2e.service(name);
      expect(service.deployments?.map((d) => [d.taskDefinition, d.rolloutState])).toEqual([
        [before[index], 'COMPLETED'],
      ]);
    }
    expect((await e2e.service('alpha')).taskDefinition).toMatch(/alpha:2$/);
    const outcomes = Object.fromEntries(report.services.map((s) => [s.name, [s.outcome, s.taskDefinition]]));
    expect(outcomes).toEqual({
      alpha: ['rollback-failed', expect.stringMatching(/alpha:2$/)],
      beta: ['rolled-back', expect.anything()],
      gamma: ['rolled-back', expect.anything()],
    });
  });
});
