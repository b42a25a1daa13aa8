import {
  type DeploymentConfiguration,
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

/**
 * Lifecycle stages at which production traffic already goes to the target revision: the traffic
 * shift is behind it, only the bake time and the clean-up are left.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html (lifecycleStage)
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-deployment-how-it-works.html
 */
export const PRODUCTION_SHIFTED_STAGES = new Set(['POST_PRODUCTION_TRAFFIC_SHIFT', 'BAKE_TIME', 'CLEAN_UP']);

/** Statuses in which ECS is still deploying the target revision (not stopping nor rolling it back). */
export const ONGOING_STATUSES = new Set(['PENDING', 'IN_PROGRESS']);

/**
 * Why ECS rolled a deployment back by itself, in a sentence ("rolled back by ECS: alarm
 * HighErrorRate"), or null when it did not. Read from what the ServiceDeployment records: the
 * alarms that triggered, the circuit breaker's count, a lifecycle hook that failed or timed out
 * (its timeout action ROLLBACK), else ECS's own rollback.reason.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentAlarms.html
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentCircuitBreaker.html
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentLifecycleHookDetail.html
 */
export function rolledBackByEcs(deployment: EcsServiceDeployment): string | null {
  if (!ROLLBACK_STATUSES.has(deployment.status ?? '')) return null;
  const why = rollbackCause(deployment);
  const failed =
    deployment.status === 'ROLLBACK_FAILED'
      ? ` (the rollback failed: ${deployment.statusReason ?? 'no reason given'})`
      : '';
  return `rolled back by ECS: ${why}${failed}`;
}

function rollbackCause(deployment: EcsServiceDeployment): string {
  const alarms = deployment.alarms?.triggeredAlarmNames ?? [];
  if (alarms.length > 0) return `alarm ${alarms.join(', ')}`;
  const breaker = deployment.deploymentCircuitBreaker;
  if (breaker?.status === 'TRIGGERED') {
    return `circuit breaker (${breaker.failureCount ?? '?'} of ${breaker.threshold ?? '?'} tasks failed)`;
  }
  // A hook detail names no stage: the deployment's own lifecycleStage is where it stood.
  const stage = deployment.lifecycleStage ? ` at ${deployment.lifecycleStage}` : '';
  const hooks = deployment.lifecycleHookDetails ?? [];
  if (hooks.some((h) => h.status === 'TIMED_OUT')) return `lifecycle hook${stage} timed out`;
  const failedHook = hooks.find((h) => h.status === 'FAILED');
  if (failedHook) return `lifecycle hook${stage} failed${failedHook.targetArn ? ` (${failedHook.targetArn})` : ''}`;
  return deployment.rollback?.reason ?? deployment.statusReason ?? 'no reason given';
}

/**
 * How long after the traffic shift starts production traffic is all on the new revision: a
 * canary's bake (canaryBakeTimeInMinutes, default 10) or a linear deployment's step bakes
 * (stepBakeTimeInMinutes, default 6, between ⌈100 / stepPercent⌉ steps, stepPercent default 10;
 * none after the last step). 0 for ROLLING and BLUE_GREEN (all traffic moves at once).
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CanaryConfiguration.html
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LinearConfiguration.html
 */
export function trafficShiftSeconds(config: DeploymentConfiguration | undefined): number {
  switch (config?.strategy) {
    case 'CANARY':
      return (config.canaryConfiguration?.canaryBakeTimeInMinutes ?? 10) * 60;
    case 'LINEAR': {
      const steps = Math.ceil(100 / Math.max(config.linearConfiguration?.stepPercent ?? 10, 0.1));
      return (steps - 1) * (config.linearConfiguration?.stepBakeTimeInMinutes ?? 6) * 60;
    }
    default:
      return 0;
  }
}

/**
 * The bake time after production traffic shifted, while both revisions run (bakeTimeInMinutes;
 * required for BLUE_GREEN, none for ROLLING): a deployment is SUCCESSFUL only after it.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html
 */
export function bakeTimeSeconds(config: DeploymentConfiguration | undefined): number {
  if (config === undefined || (config.strategy ?? 'ROLLING') === 'ROLLING') return 0;
  return (config.bakeTimeInMinutes ?? 0) * 60;
}
