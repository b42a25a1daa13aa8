import {
  DescribeTaskDefinitionCommand,
  type DescribeTaskDefinitionCommandOutput,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandOutput,
} from '@aws-sdk/client-ecs';
import type { RegistrationResult } from './contracts';
import { shortTaskDefinition, taskDefinitionFamily } from './ecs-names';
import { DeploymentFailedError, wrapAwsError } from './errors';
import { cloneForRegistration, selectContainers } from './task-definition';

export interface RevisionRequest {
  /** The revision running now (a service's, or a scheduled-task target's). */
  taskDefinition: string;
  /** current: clone the running revision; latest: the newest ACTIVE revision of its family. */
  base: 'current' | 'latest';
  /** null: every container. */
  containers: readonly string[] | null;
  gitsha: string;
  /** Who the revision is for, in messages: "service api in cluster prod". */
  owner: string;
}

/**
 * Registers a revision that runs `gitsha` in the selected containers, cloned from the base
 * revision with nothing else changed. Registers nothing when the base already runs that tag.
 */
export async function registerRevision(ecs: ECSClient, request: RevisionRequest): Promise<RegistrationResult> {
  const base = request.base === 'latest' ? latestOf(request.taskDefinition) : request.taskDefinition;

  let described: DescribeTaskDefinitionCommandOutput;
  try {
    // A bare family name describes its newest ACTIVE revision: exactly `latest`, in one call and
    // without ListTaskDefinitions' familyPrefix, which would also match "api-worker" for "api".
    described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: base, include: ['TAGS'] }));
  } catch (error) {
    throw wrapAwsError(`describe task definition ${shortTaskDefinition(base)} for ${request.owner}`, error);
  }
  const definition = described.taskDefinition;
  if (!definition?.taskDefinitionArn || !definition.family) {
    throw new DeploymentFailedError(`task definition ${base} for ${request.owner} was described without an ARN`);
  }
  if (request.base === 'latest' && definition.family !== base) {
    throw new DeploymentFailedError(
      `the newest revision of family ${base} for ${request.owner} is of family ${definition.family}`,
    );
  }
  const { missing } = selectContainers(definition, request.containers);
  if (missing.length > 0) {
    throw new DeploymentFailedError(
      `task definition ${shortTaskDefinition(definition.taskDefinitionArn)} for ${request.owner} has no container ${missing.join(', ')}`,
    );
  }

  const clone = cloneForRegistration(definition, described.tags, request.containers, request.gitsha);
  if (clone.retagged.length === 0) return { taskDefinition: definition.taskDefinitionArn, registered: false };

  let registered: RegisterTaskDefinitionCommandOutput;
  try {
    registered = await ecs.send(new RegisterTaskDefinitionCommand(clone.input));
  } catch (error) {
    throw wrapAwsError(`register a new revision of task definition ${definition.family} for ${request.owner}`, error);
  }
  const arn = registered.taskDefinition?.taskDefinitionArn;
  if (!arn) {
    throw new DeploymentFailedError(
      `registering task definition ${definition.family} for ${request.owner} returned no ARN`,
    );
  }
  return { taskDefinition: arn, registered: true };
}

function latestOf(taskDefinition: string): string {
  const family = taskDefinitionFamily(taskDefinition);
  if (family === null) throw new DeploymentFailedError(`cannot tell the family of task definition ${taskDefinition}`);
  return family;
}
