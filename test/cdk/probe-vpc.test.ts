import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GehenDeployer } from '../../lib/gehen-deployer';
import { buildGehenApp } from '../../lib/synth';
import { synthForTest } from './synth-once';

const SUBNETS = 'subnet-0aaaaaaaaaaaaaaaa,subnet-0bbbbbbbbbbbbbbbb';
const GROUPS = 'sg-0cccccccccccccccc';

type Resource = { Properties: Record<string, unknown> };

/** Step name → the function's VpcConfig (undefined when it has none). */
function vpcConfigs(template: Template): Record<string, unknown> {
  return Object.fromEntries(
    Object.values(template.findResources('AWS::Lambda::Function') as Record<string, Resource>).map((fn) => {
      const tags = fn.Properties.Tags as Array<{ Key: string; Value: string }>;
      return [tags.find((tag) => tag.Key === 'gehen:step')?.Value, fn.Properties.VpcConfig];
    }),
  );
}

describe('the probe in a VPC', () => {
  it('runs outside any VPC by default, like every step', () => {
    const configs = vpcConfigs(Template.fromJSON(synthForTest().template));
    expect(Object.values(configs)).toEqual(Array(14).fill(undefined));
  });

  it('runs in exactly the subnets and security groups of gehen:probeSubnetIds and gehen:probeSecurityGroupIds, with the gate (which probes testUrls); no other step does', () => {
    const template = Template.fromJSON(
      synthForTest({ 'gehen:probeSubnetIds': SUBNETS, 'gehen:probeSecurityGroupIds': GROUPS }).template,
    );
    const { probe, gate, ...others } = vpcConfigs(template);
    expect(probe).toEqual({ SubnetIds: SUBNETS.split(','), SecurityGroupIds: [GROUPS] });
    expect(gate).toEqual(probe);
    expect(Object.keys(others)).toHaveLength(15);
    expect(Object.values(others)).toEqual(Array(15).fill(undefined));
    // Lambda manages the probe's (and the gate's) network interfaces with each one's own role.
    const statements = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>).flatMap(
      (policy) => (policy.Properties.PolicyDocument as { Statement: Array<{ Action: unknown }> }).Statement,
    );
    const eni = statements.filter((statement) => [statement.Action].flat().includes('ec2:CreateNetworkInterface'));
    expect(eni).toHaveLength(2);
  });

  it('refuses subnets without a security group, naming both context keys', () => {
    expect(() => synthForTest({ 'gehen:probeSubnetIds': SUBNETS })).toThrow(
      /at least one subnet and one security group \(gehen:probeSubnetIds and gehen:probeSecurityGroupIds\)/,
    );
  });

  it('takes a VPC construct: its private subnets and a new outbound-only security group', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'WithVpc');
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    new GehenDeployer(stack, 'Deployer', { probeVpc: { vpc } });
    const template = Template.fromStack(stack);
    const { probe } = vpcConfigs(template) as { probe: { SubnetIds: unknown[]; SecurityGroupIds: unknown[] } };
    expect(probe.SubnetIds).toHaveLength(2);
    expect(probe.SecurityGroupIds).toHaveLength(1);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'gehen probe: outbound HTTP(S) to the services it verifies',
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: '-1' }],
    });
  });

  it('has no unacknowledged cdk-nag findings', () => {
    const app = new App({
      outdir: mkdtempSync(join(tmpdir(), 'gehen-nag-vpc-')),
      context: {
        'aws:cdk:bundling-stacks': [],
        'gehen:probeSubnetIds': SUBNETS,
        'gehen:probeSecurityGroupIds': GROUPS,
      },
      builtinCloudFormationValidation: false,
    });
    buildGehenApp(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
