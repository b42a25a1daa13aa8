import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { AwsClients } from '../../../lambdas/shared/aws/clients';
import { createClientFactory } from '../../../lambdas/shared/aws/clients';
import type { DeployConfig, ServiceConfig } from '../../../lambdas/shared/config/deploy-config';
import type { DeploymentContext, PlannedRule, PlannedService } from '../../../lambdas/shared/contracts/state';

export const ACCOUNT = '123456789012';
export const CLUSTER_ARN = `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/prod`;
export const NEW_SHA = 'abcdef1234567890abcdef1234567890abcdef12';
export const OLD_SHA = '0123456789abcdef0123456789abcdef01234567';

export function taskDefinitionArn(family: string, revision: number, region = 'eu-west-1'): string {
  return `arn:aws:ecs:${region}:${ACCOUNT}:task-definition/${family}:${revision}`;
}

/** Clients for the mocked SDK classes: aws-sdk-client-mock patches every instance. */
export function testClients(): AwsClients {
  return createClientFactory({ roleArn: null, eventBridge: EventBridgeClient });
}

/** A gehen.yml service entry as parsed: cluster `prod` unless given, no region, url or containers. */
export function serviceConfig(name: string, cluster = 'prod', overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return { name, cluster, region: null, url: null, containers: null, ...overrides };
}

/** A parsed gehen.yml with gehen's defaults, deploying service api in cluster prod and no scheduled task. */
export function deployConfig(overrides: Partial<DeployConfig> = {}): DeployConfig {
  return {
    roleArn: null,
    updateStrategy: 'current',
    timeoutMinutes: 10,
    pollIntervalSeconds: 15,
    requiredMatches: 3,
    region: null,
    services: [serviceConfig('api')],
    scheduledTasks: [],
    ...overrides,
  };
}

export function deployment(overrides: Partial<DeploymentContext> = {}): DeploymentContext {
  return {
    gitsha: NEW_SHA,
    updateStrategy: 'current',
    roleArn: null,
    timeoutSeconds: 600,
    pollIntervalSeconds: 15,
    requiredMatches: 3,
    executionArn: `arn:aws:states:eu-west-1:${ACCOUNT}:execution:gehen-deploy:run-1`,
    ...overrides,
  };
}

export function plannedService(overrides: Partial<PlannedService> = {}): PlannedService {
  return {
    name: 'api',
    cluster: CLUSTER_ARN,
    region: 'eu-west-1',
    url: 'https://api.example.com/ping',
    containers: null,
    previousTaskDefinition: taskDefinitionArn('api', 12),
    previousSha: OLD_SHA,
    ...overrides,
  };
}

export function plannedRule(overrides: Partial<PlannedRule> = {}): PlannedRule {
  return {
    rule: 'nightly-report',
    region: 'eu-west-1',
    eventBusName: 'default',
    containers: null,
    targets: [{ id: 'report', previousTaskDefinition: taskDefinitionArn('report', 3), previousSha: OLD_SHA }],
    ...overrides,
  };
}

/** A task definition as DescribeTaskDefinition returns it, read-only fields and all. */
export function describedTaskDefinition(
  family: string,
  revision: number,
  images: Record<string, string> = { [family]: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/${family}:${OLD_SHA}` },
): TaskDefinition {
  return {
    taskDefinitionArn: taskDefinitionArn(family, revision),
    family,
    revision,
    status: 'ACTIVE',
    containerDefinitions: Object.entries(images).map(([name, image]) => ({
      name,
      image,
      essential: true,
      environment: [{ name: 'DATABASE_PASSWORD', value: 'hunter2' }],
      secrets: [{ name: 'API_KEY', valueFrom: `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/api-key` }],
    })),
    cpu: '256',
    memory: '512',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    compatibilities: ['EC2', 'FARGATE'],
    runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
    ephemeralStorage: { sizeInGiB: 50 },
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/exec`,
    taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/task`,
    requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
    registeredAt: new Date('2024-01-01T00:00:00Z'),
    registeredBy: `arn:aws:iam::${ACCOUNT}:user/ci`,
  };
}

/** An AWS SDK error as the SDK throws it (name, $metadata). */
export function awsError(name: string, message = name, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}
