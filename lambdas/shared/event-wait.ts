import { clusterName, parseServiceArn } from './aws/ecs-names';
import type { PlannedService } from './contracts/state';

/**
 * Waiting on ECS's events (docs/design.md, "Waiting on ECS events"): the items Park Wait and Wake
 * share in the deployment lock's table. The lock lets one execution deploy a service at a time, so
 * one `wake#` item per service is enough: whoever deploys it now is who waits on it.
 *
 * - `wake#<service ARN>`: `owner` (the execution ARN that parked it last), `kind` (its wait's), `expiresAt`.
 * - `wait#<execution ARN>`: `token` (the parked Task's), `kind` (drain | gate), `services` (a string set: the parked
 *   services that have not reported yet), `reported` (a string set: every service that reported
 *   since the last park, whether parked or not), `decisive` (a failure event that ends the wait at
 *   once, until a park reads it), `expiresAt`. Wake ends the wait when it takes the last service
 *   out of `services`; a park drops what `reported` holds, so an event between a check's read and
 *   the next park is never waited for again.
 */
export const WAKE_PREFIX = 'wake#';

/**
 * What a wait waits for, which decides which ECS events end it (lambdas/wake, eventMeaning): a
 * drain for its services to reach steady state, a gate for their PAUSE hooks to start waiting.
 * Park Wait writes it on both items (`kind`).
 */
export type WaitKind = 'drain' | 'gate';
export const WAIT_KINDS: readonly WaitKind[] = ['drain', 'gate'];
export const WAIT_PREFIX = 'wait#';

export const wakeKey = (serviceArn: string): string => `${WAKE_PREFIX}${serviceArn}`;
export const waitKey = (executionArn: string): string => `${WAIT_PREFIX}${executionArn}`;

/** What Wake hands the parked Task (its Task's output, at `$.wake`), or Park Wait itself when an event was missed. */
export interface WakeOutput {
  /** event: the last parked service reported; failure: a decisive failure event; missed: it came before the park. */
  woke: 'event' | 'failure' | 'missed';
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
