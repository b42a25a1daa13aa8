import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { clusterName } from '../shared/aws/ecs-names';
import { selectContainers } from '../shared/aws/task-definition';
import { type Allowlists, clusterAllowed, globMatches, repositoryAllowed, shown } from '../shared/config/allowlists';
import { parseImageRef } from '../shared/config/image-ref';

/**
 * The stack's allowlists against one deployment: each is a problem naming the key and the rule
 * broken ("services.api: cluster prod is not in gehen:allowedClusters (staging-*)"), so Prepare
 * refuses the whole deployment before anything changes.
 */

export function roleProblem(roleArn: string | null, allow: Allowlists): string | null {
  if (roleArn === null || allow.roleArns === null) return null;
  if (allow.roleArns.some((pattern) => globMatches(pattern, roleArn))) return null;
  return `role.arn: ${roleArn} is not in gehen:allowedRoleArns ${shown(allow.roleArns)}`;
}

/** `path`: "services.api" or "scheduledTasks.nightly: target report". */
export function clusterProblem(path: string, cluster: string, allow: Allowlists): string | null {
  if (allow.clusters === null || clusterAllowed(allow.clusters, cluster)) return null;
  return `${path}: cluster ${clusterName(cluster)} is not in gehen:allowedClusters ${shown(allow.clusters)}`;
}

/**
 * The config's cluster before it is described: decided now when it is an ARN, or a name and the
 * allowlist has no ARN pattern; otherwise (a name, ARN patterns) after DescribeServices names its ARN.
 */
export function clusterProblemByName(path: string, cluster: string, allow: Allowlists): string | null {
  if (allow.clusters === null) return null;
  if (!cluster.startsWith('arn:') && allow.clusters.some((pattern) => pattern.startsWith('arn:'))) {
    return null;
  }
  return clusterProblem(path, cluster, allow);
}

/** The repositories of the containers gehen retags, each against gehen:allowedRepositories. */
export function repositoryProblems(
  path: string,
  definition: TaskDefinition,
  containers: readonly string[] | null,
  allow: Allowlists,
): string[] {
  const patterns = allow.repositories;
  if (patterns === null) return [];
  return selectContainers(definition, containers).selected.flatMap((container) => {
    const repository = parseImageRef(container.image ?? '').name;
    return repositoryAllowed(patterns, repository)
      ? []
      : [
          `${path}: container ${container.name} runs repository ${repository}, which is not in gehen:allowedRepositories ${shown(patterns)}`,
        ];
  });
}
