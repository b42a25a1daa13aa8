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
