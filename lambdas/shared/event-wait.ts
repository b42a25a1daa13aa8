import { clusterName, parseServiceArn } from './aws/ecs-names';
import type { PlannedService } from './contracts/state';

/**
 * Waiting on ECS's events (docs/design.md, "Waiting on ECS events"): the items Park Wait and Wake
 * share in the deployment lock's table. The lock lets one execution deploy a service at a time, so
 * one `wake#` item per service is enough: whoever deploys it now is who waits on it.
 *
 * - `wake#<service ARN>`: `token` (the parked Task's), `owner` (its execution ARN), `expiresAt`.
 * - `missed#<execution ARN>`: an event came while that execution was not parked (between its
 *   check and its next park): its next park ends at once instead of waiting out the safety net.
 */
export const WAKE_PREFIX = 'wake#';
export const MISSED_PREFIX = 'missed#';

export const wakeKey = (serviceArn: string): string => `${WAKE_PREFIX}${serviceArn}`;
export const missedKey = (executionArn: string): string => `${MISSED_PREFIX}${executionArn}`;

/** What Wake hands the parked Task (its Task's output, at `$.wake`), or Park Wait itself when an event was missed. */
export interface WakeOutput {
  woke: 'event' | 'missed';
  /** The ECS event's detail-type and name, as ECS sent it. */
  event: string;
  service: string;
}

/**
 * A planned service's long ARN, as ECS names the service in its events' `resources`
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html).
 * The plan keeps the cluster ARN and the service name only (docs/design.md, State size budget).
 */
export function plannedServiceArn(service: PlannedService): string {
  const cluster = /^arn:([\w-]+):ecs:([\w-]+):(\d{12}):cluster\/(.+)$/.exec(service.cluster);
  if (!cluster) throw new Error(`not a cluster ARN: ${service.cluster} (service ${service.name})`);
  const [, partition, region, account, name] = cluster;
  return `arn:${partition}:ecs:${region}:${account}:service/${name}/${service.name}`;
}

/**
 * The long ARN of a service an event names: a long ARN as it is; a short one (`service/NAME`,
 * services never migrated) with the event's `clusterArn` when it has one, else null — those
 * services are left to the safety-net poll.
 */
export function longServiceArn(arn: string, clusterArn: string | undefined): string | null {
  const parts = parseServiceArn(arn);
  if (!parts) return null;
  if (parts.cluster !== null) return arn;
  if (!clusterArn) return null;
  const partition = arn.split(':')[1] ?? 'aws';
  return `arn:${partition}:ecs:${parts.region}:${parts.account}:service/${clusterName(clusterArn)}/${parts.name}`;
}
