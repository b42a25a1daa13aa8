/** Short names for messages and lookups, from ARNs in any partition (aws, aws-cn, aws-us-gov). */

const TASK_DEFINITION = /^(?:arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/)?([A-Za-z0-9_-]{1,255})(?::\d+)?$/;

/** The family of a task definition ARN or `family:revision`; null when it is neither. */
export function taskDefinitionFamily(taskDefinition: string): string | null {
  return TASK_DEFINITION.exec(taskDefinition)?.[1] ?? null;
}

/** `family:revision` of a task definition ARN, for messages. */
export function shortTaskDefinition(taskDefinition: string): string {
  return taskDefinition.slice(taskDefinition.lastIndexOf('/') + 1);
}

/** The cluster's name from its ARN, or the name itself: "failed to update service api in cluster prod". */
export function clusterName(cluster: string): string {
  return cluster.slice(cluster.lastIndexOf('/') + 1);
}

/**
 * A service ARN in either format ECS uses: the long `service/CLUSTER/NAME`, or the short
 * `service/NAME` that services created before 2021 and never migrated keep.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-arn-migration.html
 */
const SERVICE_ARN =
  /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\d{12}):service\/(?:([A-Za-z0-9_-]{1,255})\/)?([A-Za-z0-9_-]{1,255})$/;

/** A service ARN's parts; `cluster` is null for a short ARN, which names no cluster. */
export interface ServiceArnParts {
  region: string;
  account: string;
  cluster: string | null;
  name: string;
}

export function parseServiceArn(arn: string): ServiceArnParts | null {
  const match = SERVICE_ARN.exec(arn);
  if (!match) return null;
  const [, region = '', account = '', cluster, name = ''] = match;
  return { region, account, cluster: cluster ?? null, name };
}

/** The service's name from its ARN (long or short), or the name itself. */
export function serviceName(service: string): string {
  return parseServiceArn(service)?.name ?? service;
}
