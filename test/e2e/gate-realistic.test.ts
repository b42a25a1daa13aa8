import type { FleetInput } from '../../sandbox';
import { demoService, GATED_CANARY, GATED_NAMES, nightlyReport, onProfile } from './fleets';
import { type E2e, startE2e } from './harness';

/**
 * The gate on the realistic profile: IAM enforced on the real policies (the service-deployment
 * calls, Park Wait and Wake's keyed DynamoDB grants, SendTaskSuccess), ECS's read lag, AWS's token
 * buckets (the service-deployment calls share the tightest) and ALB timing at 1/100. The same
 * all-or-nothing property as test/e2e/gate.test.ts: one service failing its testUrl rolls all three
 * back before any production listener served the new SHA; a good SHA goes through on all three.
 */

const NAMES = GATED_NAMES;
const CANARY = GATED_CANARY;

function fleet(): FleetInput {
  return onProfile('realistic', {
    services: NAMES.map((name) =>
      demoService(name, { desiredCount: 2, listen: 0, testListen: 0, deploymentConfiguration: CANARY } as never),
    ),
    scheduledTasks: [nightlyReport],
  } as unknown as FleetInput);
}

describe('the gate on the realistic profile', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(fleet());
  });
  afterAll(() => e2e?.close());

  const config = (name: string, testUrl: (service: string) => string) =>
    e2e.config(
      [
        'gate:',
        '  stage: POST_TEST_TRAFFIC_SHIFT',
        'services:',
        ...NAMES.flatMap((service) => [
          `  ${service}:`,
          '    cluster: demo',
          `    url: ${e2e.sandbox.loadBalancers[service]}/`,
          `    testUrl: ${testUrl(service)}`,
        ]),
        'scheduledTasks:',
        '  nightly-report:',
        'timeoutMinutes: 1.5',
        'pollIntervalSeconds: 1',
        'requiredMatches: 2',
        '',
      ].join('\n'),
      name,
    );
  const testListener = (service: string) => `${e2e.sandbox.testLoadBalancers[service]}/`;
  const servedInProduction = () =>
    Object.fromEntries(NAMES.map((name) => [name, Object.keys(e2e.sandbox.traffic()[name]?.production ?? {})]));

  it('rolls all three back when one fails its testUrl, before any production listener serves the new SHA', async () => {
    const before = await Promise.all(NAMES.map(async (n) => (await e2e.service(n)).taskDefinition));
    const targetsBefore = await e2e.targets('nightly-report');
    // checkout's testUrl is (wrongly) its production listener: it answers the old version at the gate.
    const path = config('one-fails.yml', (service) =>
      service === 'checkout' ? `${e2e.sandbox.loadBalancers[service]}/` : testListener(service),
    );

    const { code, report } = await e2e.deploy('c0ffee1', path);

    expect({ exit: code, error: report.error?.code, message: report.error?.message }).toMatchObject({
      exit: 1,
      error: 'Gehen.RolledBack',
    });
    expect(await Promise.all(NAMES.map(async (n) => (await e2e.service(n)).taskDefinition))).toEqual(before);
    expect(await e2e.targets('nightly-report')).toEqual(targetsBefore);
    expect(servedInProduction()).toEqual({ api: ['1111111'], web: ['1111111'], checkout: ['1111111'] });
  });

  it('lets a good SHA through the gate to production on all three', async () => {
    const { code, report } = await e2e.deploy('2222222', config('good.yml', testListener));

    expect({ exit: code, status: report.status, report }).toMatchObject({ exit: 0, status: 'deployed' });
    for (const name of NAMES) {
      expect(await e2e.images((await e2e.service(name)).taskDefinition ?? '')).toEqual({
        [name]: expect.stringMatching(/:2222222$/),
      });
    }
  });
});
