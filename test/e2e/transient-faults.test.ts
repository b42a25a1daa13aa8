import { demoConfig, demoService, ECR, FAST, nightlyReport, probedServices } from './fleets';
import { type E2e, startE2e } from './harness';

/**
 * Faults AWS answers now and then that retrying fixes: a deployment meeting them still deploys.
 * Each fault outlasts the SDK's own three attempts, so it reaches gehen's classification.
 */
describe('gehen deploy through transient AWS faults', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      services: [demoService('api', { listen: 0 }), demoService('worker')],
      scheduledTasks: [nightlyReport],
      timing: FAST,
      apiFaults: [
        // STS throttles the first AssumeRole of role.arn (all three SDK attempts and one more).
        { operation: 'AssumeRole', match: {}, error: 'Throttling', message: 'Rate exceeded', count: 4 },
        // Someone else's PutTargets on the same rule, twice.
        {
          operation: 'PutTargets',
          match: { Rule: 'nightly-report' },
          error: 'ConcurrentModificationException',
          message: 'There is concurrent modification on a rule, target, archive, or replay.',
          count: 2,
        },
      ],
    });
  });
  afterAll(() => e2e.close());

  it('retries a throttled AssumeRole and a concurrently modified rule, and deploys', async () => {
    const config = demoConfig({ services: probedServices(e2e, ['api', 'worker']), scheduledTasks: ['nightly-report'] });
    const path = e2e.config(`role:\n  arn: arn:aws:iam::000000000000:role/gehen-deployer\n${config}`);

    const { code, report } = await e2e.deploy('2222222', path);

    expect({ code, status: report.status }).toEqual({ code: 0, status: 'deployed' });
    for (const name of ['api', 'worker']) {
      expect((await e2e.service(name)).taskDefinition).toMatch(new RegExp(`task-definition/${name}:2$`));
    }
    // Update Scheduled Task ran three times (PutTargets refused twice) and registered one revision:
    // each retry found report:2 already identical to what it would register.
    const [target, ...others] = await e2e.targets('nightly-report');
    expect(others).toEqual([]);
    expect(target?.taskDefinition).toMatch(/task-definition\/report:2$/);
    expect(await e2e.images(target?.taskDefinition ?? '')).toEqual({ report: `${ECR}/report:2222222` });
    expect(await e2e.revisions('report')).toEqual([
      expect.stringMatching(/report:1$/),
      expect.stringMatching(/report:2$/),
    ]);
    // Both faults were really answered: the deployment went through them, not around them.
    const calls = await e2e.calls();
    expect(calls['sts:AssumeRole']).toBeGreaterThan(4);
    expect(calls['events:PutTargets']).toBeGreaterThan(2);
  });
});
