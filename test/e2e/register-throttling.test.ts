import { benchConfig, benchFleet } from '../../bench/bench-fleet';
import { ErrorNames } from '../../lambdas/shared/contracts/errors';
import { ContextKeys } from '../../lib/synth-names';
import { type E2e, startE2e } from './harness';

const SERVICES = 100;

/**
 * RegisterTaskDefinition's bucket (burst 20, then 1 a second per account: sandbox/throttling.ts, from
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/request-throttling.html) makes 100
 * registrations queue for 80 s. Deploy Services at its highest MaxConcurrency (40) has 40 iterations
 * retrying at once, and the ones that backed off far lose every token to fresher ones: with 6
 * attempts (at most 90 s of backoff) one of them ran out and the deployment rolled back, as the
 * 200-service bench row did at the default concurrency. The smallest fleet that meets that wall
 * every time, on AWS's own bucket.
 */
describe("gehen deploy behind RegisterTaskDefinition's token bucket (throttling: aws)", () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(
      benchFleet({
        services: SERVICES,
        clusters: 2,
        scheduledTasks: 0,
        loadBalancerEvery: SERVICES,
        throttling: 'aws',
      }),
      { context: { [ContextKeys.maxConcurrency]: '40' } },
    );
  }, 120_000);
  afterAll(() => e2e.close());

  it(`deploys ${SERVICES} services at MaxConcurrency 40 instead of rolling back`, async () => {
    const fleet = benchFleet({ services: SERVICES, clusters: 2, scheduledTasks: 0, loadBalancerEvery: SERVICES });
    const path = e2e.config(benchConfig(fleet, e2e.sandbox.loadBalancers, { pollIntervalSeconds: 2 }));

    const { code, report } = await e2e.deploy('2222222', path);

    expect({ code, error: report.error }).toEqual({ code: 0, error: null });
    for (const [i, service] of (fleet.services ?? []).entries()) {
      const { taskDefinition } = await e2e.service(service.name, service.cluster);
      expect({ i, taskDefinition }).toEqual({ i, taskDefinition: expect.stringMatching(/:2$/) });
    }
    // The deploy really queued behind the bucket: registrations were refused and the step retried.
    expect(e2e.sandbox.stats().throttled['ecs:RegisterTaskDefinition']).toBeGreaterThan(0);
    const retried = (await e2e.history(report.execution ?? '')).filter(
      (event) =>
        event.type === 'LambdaFunctionFailed' && event.lambdaFunctionFailedEventDetails?.error === ErrorNames.transient,
    );
    expect(retried.length).toBeGreaterThan(0);
  }, 600_000);
});
