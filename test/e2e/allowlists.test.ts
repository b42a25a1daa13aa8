import type { FleetInput } from '../../sandbox';
import { demoConfig, demoService, FAST } from './fleets';
import { type E2e, startE2e } from './harness';

/**
 * The stack's allowlists (docs/deploy-to-aws.md, least privilege) with the template's IAM policies
 * enforced: Prepare refuses a deployment outside them before any change, and the narrowed grants
 * (ecs:UpdateService on service/demo/* only) still deploy what is allowed.
 */

const fleet: FleetInput = {
  profile: 'realistic',
  timing: { ...FAST, scale: 0.01 },
  // What is under test is what may be deployed, not ECS's read-after-write lag (realistic-ecs.test.ts).
  consistency: { ecsSeconds: 0 },
  services: [demoService('api'), demoService('worker'), { ...demoService('billing'), cluster: 'payments' }],
};

const context = {
  'gehen:allowedClusters': 'demo,staging-*',
  'gehen:allowedRepositories': '*.dkr.ecr.*.amazonaws.com/api,billing',
};

describe('a stack with gehen:allowedClusters and gehen:allowedRepositories', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(fleet, { context });
  });
  afterAll(() => e2e.close());

  it('deploys a service inside them, through IAM grants narrowed to the allowed clusters', async () => {
    expect(e2e.sandbox.fleet.iam).toBe(true);
    const { code, report } = await e2e.deploy('2222222', e2e.config(demoConfig({ services: { api: {} } })));
    expect(report.error).toBeNull();
    expect(code).toBe(0);
    expect((await e2e.service('api')).taskDefinition).toMatch(/task-definition\/api:2$/);
  });

  it('refuses a cluster and a repository outside them, naming each rule, and changes nothing', async () => {
    const revisions = await e2e.revisions();
    const { code, report } = await e2e.deploy(
      '3333333',
      e2e.config(demoConfig({ services: { worker: {}, billing: { cluster: 'payments' } } })),
    );
    expect(code).toBe(1);
    expect(report.error?.code).toBe('Gehen.InvalidDeployment');
    expect(report.error?.message).toContain(
      'services.billing: cluster payments is not in gehen:allowedClusters (demo, staging-*)',
    );
    expect(report.error?.message).toMatch(
      /services\.worker: container worker runs repository \S+\/worker, which is not in gehen:allowedRepositories/,
    );
    expect(await e2e.revisions()).toEqual(revisions);
    expect((await e2e.service('billing', 'payments')).taskDefinition).toMatch(/task-definition\/billing:1$/);
  });
});
