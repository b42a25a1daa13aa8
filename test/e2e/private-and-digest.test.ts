import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { demoConfig, demoService, FAST } from './fleets';
import { type E2e, startE2e } from './harness';

/**
 * Issue 13, items 1 and 8: private load balancers that only VPC functions reach
 * (`services[].private`), and ECR events whose rule pattern names this account
 * ({"Ref": "AWS::AccountId"}, resolved by the sandbox's event routing as CloudFormation would).
 */
const PROBE_NETWORK = {
  'gehen:probeSubnetIds': 'subnet-0aaaaaaaaaaaaaaaa',
  'gehen:probeSecurityGroupIds': 'sg-0cccccccccccccccc',
};

describe('a private service', () => {
  const fleet = { services: [demoService('internal', { listen: 0, private: true })], timing: FAST };
  let inVpc: E2e;
  let outside: E2e;
  beforeAll(async () => {
    [inVpc, outside] = await Promise.all([startE2e(fleet, { context: PROBE_NETWORK }), startE2e(fleet)]);
  });
  afterAll(() => Promise.all([inVpc?.close(), outside?.close()]));

  const configFor = (e2e: E2e) =>
    e2e.config(
      demoConfig({ services: { internal: { url: `${e2e.sandbox.loadBalancers.internal}/` } }, timeoutMinutes: 0.1 }),
    );

  it('deploys when the stack puts the probe in the VPC', async () => {
    const { code, report } = await inVpc.deploy('2222222', configFor(inVpc));
    expect({ code, status: report.status }).toEqual({ code: 0, status: 'deployed' });
  });

  it('fails, saying the probe cannot reach the url and how to fix it, when the probe is outside the VPC', async () => {
    const path = configFor(outside);
    const run = await outside.gehen(['deploy', '--gitsha', '2222222', '--path', path]);
    // The rollback puts the old revision back but cannot prove it live through the same url
    // either: the result is unknown (exit 2), and every failure says why.
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).toContain(
      `cannot reach ${outside.sandbox.loadBalancers.internal}/ from the probe (connect timeout): if it is private, give the probe a VPC`,
    );
    expect((await outside.service('internal')).taskDefinition).toMatch(/task-definition\/internal:1$/);
  });
});

describe('an ECR push without a tag', () => {
  let e2e: E2e;
  beforeAll(async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'gehen-digest-')), 'gehen.yml');
    writeFileSync(
      config,
      'trigger:\n  ecrRepository: api\nservices:\n  api:\n    cluster: demo\ntimeoutMinutes: 1\npollIntervalSeconds: 1\n',
    );
    e2e = await startE2e({ services: [demoService('api')], timing: FAST }, { context: { 'gehen:configs': config } });
  });
  afterAll(() => e2e?.close());

  const executions = async () =>
    (await e2e.sfn.send(new ListExecutionsCommand({ stateMachineArn: e2e.sandbox.stateMachineArn }))).executions ?? [];

  it('starts nothing for a push by digest only, and deploys a tagged push', async () => {
    const push = (tag?: string) =>
      e2e.sandbox.events.emit(e2e.sandbox.region, {
        source: 'aws.ecr',
        detailType: 'ECR Image Action',
        detail: {
          result: 'SUCCESS',
          'repository-name': 'api',
          'image-digest': `sha256:${'ab'.repeat(32)}`,
          'action-type': 'PUSH',
          ...(tag && { 'image-tag': tag }),
        },
        resources: [],
      });
    await push();
    expect(await executions()).toEqual([]);
    await push('3333333');
    expect(await executions()).toHaveLength(1);
  });
});
