import {
  DescribeServiceDeploymentsCommand,
  type DescribeServiceDeploymentsCommandOutput,
  type ECSClient,
  type ServiceDeployment as EcsServiceDeployment,
  type Failure,
  type Service,
} from '@aws-sdk/client-ecs';
import { wrapAwsError } from '../contracts/errors';
import { regionOfArn } from './arn';

/**
 * ECS's service-deployments API: every deployment of a service (rolling, blue/green, linear,
 * canary) is recorded as a ServiceDeployment with its status, lifecycle stage, rollback, circuit
 * breaker and alarm state and lifecycle hooks.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServiceDeployments.html
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html
 */

/** DescribeServiceDeployments accepts at most 20 ARNs per call (API_DescribeServiceDeployments.html). */
export const DESCRIBE_SERVICE_DEPLOYMENTS_BATCH = 20;

/** The ECS deployment strategies (API_DeploymentConfiguration.html `strategy`); absent means ROLLING. */
export type DeploymentStrategy = 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY';

/** Statuses a service deployment ends in: it will not change again. */
export const FINISHED_STATUSES = new Set(['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED']);

/** Statuses that mean ECS is rolling the deployment back, or has (its own rollback, not gehen's). */
export const ROLLBACK_STATUSES = new Set([
  'ROLLBACK_REQUESTED',
  'ROLLBACK_IN_PROGRESS',
  'ROLLBACK_SUCCESSFUL',
  'ROLLBACK_FAILED',
]);

export function strategyOf(service: Pick<Service, 'deploymentConfiguration'>): DeploymentStrategy {
  return (service.deploymentConfiguration?.strategy as DeploymentStrategy | undefined) ?? 'ROLLING';
}

/**
 * The service deployment an UpdateService (or CreateService) started: the response's service
 * names it in `currentServiceDeployment`
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html).
 */
export function startedServiceDeployment(
  service: Pick<Service, 'currentServiceDeployment'> | undefined,
): string | undefined {
  return service?.currentServiceDeployment ?? undefined;
}

export interface DescribedServiceDeployments {
  /** Keyed by service deployment ARN. */
  found: Map<string, EcsServiceDeployment>;
  /** Keyed the same way: ARNs ECS does not know (yet: its reads lag its writes). */
  failures: Map<string, Failure>;
}

/**
 * Describes many service deployments with as few calls as ECS allows: grouped by region (taken
 * from each ARN), 20 per call, the calls in parallel.
 */
export async function describeServiceDeploymentsBatched(
  ecs: (region: string) => ECSClient,
  arns: readonly string[],
): Promise<DescribedServiceDeployments> {
  const found = new Map<string, EcsServiceDeployment>();
  const failures = new Map<string, Failure>();
  const byRegion = new Map<string, string[]>();
  for (const arn of new Set(arns)) {
    const region = regionOfArn(arn, 'ecs');
    if (!region) {
      failures.set(arn, { arn, reason: 'not a service deployment ARN' });
      continue;
    }
    const group = byRegion.get(region) ?? [];
    group.push(arn);
    byRegion.set(region, group);
  }
  const calls: Promise<void>[] = [];
  for (const [region, group] of byRegion) {
    for (let start = 0; start < group.length; start += DESCRIBE_SERVICE_DEPLOYMENTS_BATCH) {
      const batch = group.slice(start, start + DESCRIBE_SERVICE_DEPLOYMENTS_BATCH);
      calls.push(
        (async () => {
          let response: DescribeServiceDeploymentsCommandOutput;
          try {
            response = await ecs(region).send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: batch }));
          } catch (error) {
            throw wrapAwsError(`describe service deployments (${region})`, error);
          }
          for (const arn of batch) {
            const deployment = response.serviceDeployments?.find((d) => d.serviceDeploymentArn === arn);
            if (deployment) found.set(arn, deployment);
            else failures.set(arn, response.failures?.find((f) => f.arn === arn) ?? { arn, reason: 'MISSING' });
          }
        })(),
      );
    }
  }
  await Promise.all(calls);
  return { found, failures };
}

/** The PAUSE hook a deployment is waiting at, if any (lifecycleHookDetails status AWAITING_ACTION). */
export function awaitingPauseHook(deployment: EcsServiceDeployment): { hookId: string; expiresAt?: Date } | undefined {
  const hook = deployment.lifecycleHookDetails?.find((h) => h.targetType === 'PAUSE' && h.status === 'AWAITING_ACTION');
  return hook?.hookId ? { hookId: hook.hookId, expiresAt: hook.expiresAt } : undefined;
}
