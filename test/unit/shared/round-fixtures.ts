import type { Deployment, DescribeServicesCommandInput, Service } from '@aws-sdk/client-ecs';
import type {
  DeploymentContext,
  Plan,
  PlannedService,
  RoundInput,
  RoundState,
} from '../../../lambdas/shared/contracts/state';

/** Plans, ECS services and a fake DescribeServices for the poll-round tests. */

export const REGION = 'eu-west-1';
export const GITSHA = '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b';
export const OLD_SHA = 'ffeeddc0ffee';

export function clusterArn(name = 'prod'): string {
  return `arn:aws:ecs:${REGION}:123456789012:cluster/${name}`;
}

export function taskDefinitionArn(family: string, revision: number): string {
  return `arn:aws:ecs:${REGION}:123456789012:task-definition/${family}:${revision}`;
}

export function plannedService(name: string, overrides: Partial<PlannedService> = {}): PlannedService {
  return {
    name,
    cluster: clusterArn(),
    region: REGION,
    url: null,
    containers: null,
    previousTaskDefinition: taskDefinitionArn(name, 1),
    previousSha: OLD_SHA,
    ...overrides,
  };
}

export function makePlan(services: PlannedService[], deployment: Partial<DeploymentContext> = {}): Plan {
  return {
    deployment: {
      gitsha: GITSHA,
      updateStrategy: 'current',
      roleArn: null,
      timeoutSeconds: 600,
      pollIntervalSeconds: 15,
      requiredMatches: 3,
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:gehen-deploy:run-1',
      ...deployment,
    },
    services,
    scheduledTasks: [],
  };
}

/** A round input where every service was updated to revision 2. */
export function roundInput(plan: Plan, overrides: Partial<RoundInput> = {}): RoundInput {
  const deployed =
    plan.deployment.updateStrategy === 'none'
      ? []
      : plan.services.map((s) => ({
          name: s.name,
          cluster: s.cluster,
          taskDefinition: taskDefinitionArn(s.name, 2),
          updated: true,
        }));
  return { plan, deployed, expect: 'new', round: null, ...overrides };
}

export function deployment(taskDefinition: string, overrides: Partial<Deployment> = {}): Deployment {
  return {
    id: `ecs-svc/${taskDefinition.slice(-8)}`,
    status: 'PRIMARY',
    taskDefinition,
    desiredCount: 2,
    runningCount: 2,
    pendingCount: 0,
    failedTasks: 0,
    rolloutState: 'COMPLETED',
    ...overrides,
  };
}

export function ecsService(planned: PlannedService, deployments: Deployment[]): Service {
  return {
    serviceName: planned.name,
    serviceArn: `arn:aws:ecs:${REGION}:123456789012:service/${planned.cluster.split('/').pop()}/${planned.name}`,
    clusterArn: planned.cluster,
    status: 'ACTIVE',
    deployments,
  };
}

/** A fake DescribeServices over a fleet, keyed by service ARN; unknown services come back MISSING. */
export function describeServicesFrom(fleet: Map<string, Service>) {
  return (input: DescribeServicesCommandInput) => {
    const services: Service[] = [];
    const failures: Array<{ arn: string; reason: string }> = [];
    for (const arn of input.services ?? []) {
      const service = fleet.get(arn);
      if (service) services.push(service);
      else failures.push({ arn, reason: 'MISSING' });
    }
    return { services, failures };
  };
}

export const ROUND_ONE: RoundState = {
  status: 'waiting',
  round: 1,
  deadline: '2030-01-01T00:10:00.000Z',
  done: 0,
  total: 1,
  waiting: [],
  failures: [],
};
