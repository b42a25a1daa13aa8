import { demoConfig, demoService, FAST } from './fleets';
import { type E2e, startE2e } from './harness';

// A private service's load balancer answers only Lambda functions in the VPC (sandbox/README.md,
// Networks): Probe New Version must run there to see the new version go live.
describe('deploying a service behind a private load balancer', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(
      { services: [demoService('api', { desiredCount: 1, listen: 0, private: true })], timing: FAST },
      { context: { 'gehen:probeSubnetIds': 'subnet-0a1b2c3d', 'gehen:probeSecurityGroupIds': 'sg-0a1b2c3d' } },
    );
  });
  afterAll(() => e2e.close());

  // Issue 10 (product side): the probe function gets no VpcConfig until the app reads the
  // gehen:probeSubnetIds / gehen:probeSecurityGroupIds context, so it never reaches the private
  // load balancer and the deploy times out instead.
  it('deploys it when the probe runs in the VPC the context names', async () => {
    const path = e2e.config(demoConfig({ services: { api: { url: `${e2e.sandbox.loadBalancers.api}/` } } }));
    const run = await e2e.deploy('2222222', path);
    expect(run.report).toMatchObject({ status: 'deployed' });
    expect(run.code).toBe(0);
  }, 240_000); // failing, it ends timed-out after the config's minute plus the rollback (138 s measured)
});
