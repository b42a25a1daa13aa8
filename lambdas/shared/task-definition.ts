import type { ContainerDefinition, RegisterTaskDefinitionCommandInput, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import { imageTag, parseImageRef, retagImage } from './image-ref';

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
