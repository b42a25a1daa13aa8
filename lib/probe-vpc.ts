import { Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

/**
 * Where the Probe function runs, so it can reach urls on internal load balancers and private DNS
 * names: a VPC construct, or the ids of subnets and security groups that exist already (what the
 * `gehen:probeSubnetIds` and `gehen:probeSecurityGroupIds` context keys give; nothing is looked up).
 */
export type ProbeVpc =
  | {
      readonly vpc: ec2.IVpc;
      /** @default - the VPC's private subnets, as Lambda picks them */
      readonly vpcSubnets?: ec2.SubnetSelection;
      /** @default - a new security group that allows all outbound traffic and no inbound */
      readonly securityGroups?: ec2.ISecurityGroup[];
    }
  | {
      readonly subnetIds: readonly string[];
      readonly securityGroupIds: readonly string[];
    };

/**
 * What a function needs to attach to a VPC: the permissions of the AWSLambdaVPCAccessExecutionRole
 * managed policy, inline (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions).
 * Lambda makes these calls while it creates and deletes the function's network interfaces. The
 * probe still reads ECS (DescribeServices) every round: its subnets need a NAT gateway or an ECS
 * VPC endpoint (docs/deploy-to-aws.md).
 */
const ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/**
 * Puts the Probe function in the VPC: its VpcConfig names exactly the given subnets and security
 * groups, and its role may manage the network interfaces. The other steps stay outside any VPC.
 */
export function placeProbeInVpc(scope: Construct, fn: IFunction, role: iam.Role, probeVpc: ProbeVpc): void {
  const { subnetIds, securityGroupIds } = networkIds(scope, probeVpc);
  if (subnetIds.length === 0 || securityGroupIds.length === 0) {
    throw new Error(
      `the probe's VPC needs at least one subnet and one security group (gehen:probeSubnetIds and gehen:probeSecurityGroupIds), got ${subnetIds.length} and ${securityGroupIds.length}`,
    );
  }
  const cfn = fn.node.defaultChild as CfnFunction;
  cfn.vpcConfig = { subnetIds: [...subnetIds], securityGroupIds: [...securityGroupIds] };
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ENI_ACTIONS, resources: ['*'] }));
  // Lambda checks these permissions when it creates the function: the policy must exist first.
  fn.node.addDependency(role);
  Validations.of(role).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason:
      'The AWSLambdaVPCAccessExecutionRole permissions, inline: ec2 network-interface actions do not support resource-level scoping at creation.',
  });
}

function networkIds(scope: Construct, probeVpc: ProbeVpc): { subnetIds: string[]; securityGroupIds: string[] } {
  if ('subnetIds' in probeVpc) {
    return { subnetIds: [...probeVpc.subnetIds], securityGroupIds: [...probeVpc.securityGroupIds] };
  }
  const securityGroups = probeVpc.securityGroups ?? [
    new ec2.SecurityGroup(scope, 'ProbeSecurityGroup', {
      vpc: probeVpc.vpc,
      description: 'gehen probe: outbound HTTP(S) to the services it verifies',
      allowAllOutbound: true,
    }),
  ];
  return {
    subnetIds: probeVpc.vpc.selectSubnets(probeVpc.vpcSubnets).subnetIds,
    securityGroupIds: securityGroups.map((group) => group.securityGroupId),
  };
}
