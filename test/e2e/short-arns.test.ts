import { demoConfig, demoService, ECR, FAST } from './fleets';
import { type E2e, startE2e } from './harness';

/**
 * A service created before 2021 and never migrated keeps the short ARN `service/NAME`, with no
 * cluster segment (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-arn-migration.html):
 * gehen's IAM policies (`service/*`) and its ARN handling must take it like any other. Needs the
 * IAM merge (the template's policies enforced) and the ECS merge (`shortArn`).
 */
describe('gehen deploy of a service with a short ARN, IAM enforced', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      iam: 'on',
      timing: FAST,
      services: [
        demoService('legacy', { desiredCount: 2, shortArn: true }),
        demoService('modern', { desiredCount: 2 }),
      ],
    });
  });
  afterAll(() => e2e.close());

  it('deploys it, and the service keeps its short ARN', async () => {
    const path = e2e.config(demoConfig({ services: { legacy: {}, modern: {} } }), 'legacy.yml');

    const { code, report } = await e2e.deploy('2222222', path);

    expect(code).toBe(0);
    expect(report.status).toBe('deployed');
    const legacy = await e2e.service('legacy');
    expect(legacy.serviceArn).toMatch(/:service\/legacy$/);
    expect(await e2e.images(legacy.taskDefinition ?? '')).toEqual({ legacy: `${ECR}/legacy:2222222` });
    expect((await e2e.service('modern')).serviceArn).toMatch(/:service\/demo\/modern$/);
  });
});
