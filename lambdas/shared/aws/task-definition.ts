import {
  type ContainerDefinition,
  DescribeTaskDefinitionCommand,
  type DescribeTaskDefinitionCommandOutput,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type RegisterTaskDefinitionCommandOutput,
  type Tag,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { imageTag, parseImageRef, retagImage } from '../config/image-ref';
import { DeploymentFailedError, wrapAwsError } from '../contracts/errors';
import type { RegistrationResult } from '../contracts/state';
import { shortTaskDefinition, taskDefinitionFamily } from './ecs-names';

/**
 * What DescribeTaskDefinition returns that RegisterTaskDefinition does not accept: ECS sets these.
 * Everything else is cloned, so a field ECS adds tomorrow is carried over instead of silently
 * dropped (the original copied a whitelist and lost runtimePlatform, ephemeralStorage and tags).
 */
const READ_ONLY_FIELDS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequestedAt',
] as const satisfies readonly (keyof TaskDefinition)[];

type ReadOnlyField = (typeof READ_ONLY_FIELDS)[number];
type RegisterableField = Exclude<keyof TaskDefinition, ReadOnlyField>;

// Fails to compile when the SDK gains a TaskDefinition field that RegisterTaskDefinition does not
// accept: it then belongs in READ_ONLY_FIELDS.
const everyRemainingFieldIsRegisterable: Exclude<
  RegisterableField,
  keyof RegisterTaskDefinitionCommandInput
> extends never
  ? true
  : never = true;
void everyRemainingFieldIsRegisterable;

export interface ClonedTaskDefinition {
  input: RegisterTaskDefinitionCommandInput;
  /** Containers whose image changed; empty when registering would change nothing. */
  retagged: string[];
}

/** The selected containers of a task definition (null: all), and the names asked for that it lacks. */
export function selectContainers(
  definition: TaskDefinition,
  containers: readonly string[] | null,
): { selected: ContainerDefinition[]; missing: string[] } {
  const all = definition.containerDefinitions ?? [];
  if (containers === null) return { selected: all, missing: [] };
  return {
    selected: all.filter((c) => c.name !== undefined && containers.includes(c.name)),
    missing: containers.filter((name) => !all.some((c) => c.name === name)),
  };
}

/** The image tag the selected containers run: null when any is untagged or they disagree. */
export function shaOfContainers(definition: TaskDefinition, containers: readonly string[] | null): string | null {
  const tags = new Set(selectContainers(definition, containers).selected.map((c) => imageTag(c.image ?? '')));
  const [only] = tags;
  return tags.size === 1 && only !== undefined ? only : null;
}

/**
 * The RegisterTaskDefinition input for a new revision that differs from `described` only in the
 * image tag of the selected containers (null: every container). A container already on `newTag`
 * keeps its image as it is, digest included.
 */
export function cloneForRegistration(
  described: TaskDefinition,
  tags: readonly Tag[] | undefined,
  containers: readonly string[] | null,
  newTag: string,
): ClonedTaskDefinition {
  const copy: Partial<Record<keyof TaskDefinition, unknown>> = { ...described };
  for (const field of READ_ONLY_FIELDS) delete copy[field];
  const registerable = copy as Pick<TaskDefinition, RegisterableField>;

  const retagged: string[] = [];
  const containerDefinitions = (described.containerDefinitions ?? []).map((container) => {
    const selected = containers === null || (container.name !== undefined && containers.includes(container.name));
    if (!selected || container.image === undefined || parseImageRef(container.image).tag === newTag) {
      return container;
    }
    retagged.push(container.name ?? container.image);
    return { ...container, image: retagImage(container.image, newTag) };
  });

  if (described.family === undefined) throw new Error('the described task definition has no family');
  const input: RegisterTaskDefinitionCommandInput = { ...registerable, family: described.family, containerDefinitions };
  // DescribeTaskDefinition reports "no tags" as an empty list; registering without the key is the same.
  if (tags && tags.length > 0) input.tags = [...tags];
  return { input, retagged };
}

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
  // A step's retry (Update Scheduled Task's PutTargets throttled after its registration) must not
  // register the same revision again: the family's newest revision, when it is exactly what this
  // would register, is used. `registered` stays true: it is this deployment's new revision.
  const newest = request.base === 'latest' ? null : await newestIdentical(ecs, definition.family, clone, request);
  if (newest) return { taskDefinition: newest, registered: true };

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

/** The ARN of the family's newest revision when registering `clone` would copy it exactly; else null. */
async function newestIdentical(
  ecs: ECSClient,
  family: string,
  clone: ClonedTaskDefinition,
  request: RevisionRequest,
): Promise<string | null> {
  let newest: DescribeTaskDefinitionCommandOutput;
  try {
    newest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family, include: ['TAGS'] }));
  } catch (error) {
    throw wrapAwsError(`describe the newest revision of task definition ${family} for ${request.owner}`, error);
  }
  const { taskDefinition, tags } = newest;
  if (!taskDefinition?.taskDefinitionArn || taskDefinition.family !== family) return null;
  // Only a revision that already runs the new tag (not the one being copied) can be ours.
  const again = cloneForRegistration(taskDefinition, tags, request.containers, request.gitsha);
  if (again.retagged.length > 0) return null;
  return canonicalJson(again.input) === canonicalJson(clone.input) ? taskDefinition.taskDefinitionArn : null;
}

/** JSON with every object's keys sorted: equal for equal values, whatever order the keys came in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

function latestOf(taskDefinition: string): string {
  const family = taskDefinitionFamily(taskDefinition);
  if (family === null) throw new DeploymentFailedError(`cannot tell the family of task definition ${taskDefinition}`);
  return family;
}
