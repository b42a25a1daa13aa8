import type {
  DeregisterTaskDefinitionCommandInput,
  DescribeTaskDefinitionCommandInput,
  ListTaskDefinitionFamiliesCommandInput,
  ListTaskDefinitionsCommandInput,
  RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import { ACCOUNT, nowSeconds } from '../ids';
import { paginate } from '../pagination';
import { clientError, type EcsContext, findTaskDefinition } from './context';
import type { EcsRegion, TaskDefinitionRecord } from './model';
import { taskDefinitionView } from './views';

const FAMILY = /^[A-Za-z0-9_-]{1,255}$/;

/** Registers the next revision of a family, keeping every field given (tags apart, as ECS does). */
export function registerTaskDefinition(
  region: EcsRegion,
  input: RegisterTaskDefinitionCommandInput,
  consistencySeconds = 0,
) {
  if (!input.family || !FAMILY.test(input.family)) {
    throw clientError('Family must be up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores.');
  }
  const containers = input.containerDefinitions ?? [];
  if (containers.length === 0) throw clientError('Container list cannot be empty.');
  for (const container of containers) {
    if (!container.name) throw clientError('Container.name should not be null or empty.');
    if (!container.image) throw clientError('Container.image should not be null or empty.');
  }
  const { tags = [], ...body } = input;
  const revisions = region.taskDefinitions.get(input.family) ?? [];
  const revision = (revisions.at(-1)?.revision ?? 0) + 1;
  const record: TaskDefinitionRecord = {
    arn: `arn:aws:ecs:${region.name}:${ACCOUNT}:task-definition/${input.family}:${revision}`,
    family: input.family,
    revision,
    status: 'ACTIVE',
    body: structuredClone(body) as Record<string, unknown>,
    containers: containers.map((c) => ({ name: c.name ?? '', image: c.image ?? '' })),
    tags: structuredClone(tags),
    registeredAt: nowSeconds(),
    visibleAt: nowSeconds() + consistencySeconds,
  };
  revisions.push(record);
  region.taskDefinitions.set(input.family, revisions);
  return { taskDefinition: taskDefinitionView(record), tags: record.tags };
}

export function describeTaskDefinition(region: EcsRegion, input: DescribeTaskDefinitionCommandInput) {
  // A revision registered within fleet.consistency.ecsSeconds is not found yet: reads lag writes
  // (hashicorp/terraform-provider-aws PR #45553 retries exactly this).
  const record = input.taskDefinition ? findTaskDefinition(region, input.taskDefinition, true) : undefined;
  if (!record) throw clientError('Unable to describe task definition.');
  return {
    taskDefinition: taskDefinitionView(record),
    ...(input.include?.includes('TAGS') ? { tags: record.tags } : {}),
  };
}

export function listTaskDefinitions(region: EcsRegion, input: ListTaskDefinitionsCommandInput) {
  const status = input.status ?? 'ACTIVE';
  // Despite its name, ECS matches familyPrefix against the whole family name.
  const families = [...region.taskDefinitions.keys()]
    .filter((family) => input.familyPrefix === undefined || family === input.familyPrefix)
    .sort();
  const arns = families.flatMap((family) =>
    (region.taskDefinitions.get(family) ?? []).filter((td) => td.status === status).map((td) => td.arn),
  );
  if (input.sort === 'DESC') arns.reverse();
  const { page, nextToken } = paginate(arns, {
    limit: input.maxResults,
    nextToken: input.nextToken,
    max: 100,
    errorType: 'InvalidParameterException',
  });
  return { taskDefinitionArns: page, nextToken };
}

export function listTaskDefinitionFamilies(region: EcsRegion, input: ListTaskDefinitionFamiliesCommandInput) {
  const families = [...region.taskDefinitions.entries()]
    .filter(([family]) => input.familyPrefix === undefined || family.startsWith(input.familyPrefix))
    .filter(([, revisions]) => {
      const active = revisions.some((td) => td.status === 'ACTIVE');
      return input.status === 'ALL' || (input.status === 'INACTIVE' ? !active : active);
    })
    .map(([family]) => family)
    .sort();
  const { page, nextToken } = paginate(families, {
    limit: input.maxResults,
    nextToken: input.nextToken,
    max: 100,
    errorType: 'InvalidParameterException',
  });
  return { families: page, nextToken };
}

export function deregisterTaskDefinition(region: EcsRegion, input: DeregisterTaskDefinitionCommandInput) {
  const reference = input.taskDefinition ?? '';
  if (!reference.includes(':')) throw clientError('A task definition revision must be specified.');
  const record = findTaskDefinition(region, reference);
  if (!record) throw clientError('The specified task definition does not exist.');
  if (record.status === 'ACTIVE') {
    record.status = 'INACTIVE';
    record.deregisteredAt = nowSeconds();
  }
  return { taskDefinition: taskDefinitionView(record) };
}

export const taskDefinitionOperations = {
  RegisterTaskDefinition: (ctx: EcsContext, input: RegisterTaskDefinitionCommandInput) =>
    registerTaskDefinition(ctx.region, input, ctx.env.consistencySeconds),
  DescribeTaskDefinition: (ctx: EcsContext, input: DescribeTaskDefinitionCommandInput) =>
    describeTaskDefinition(ctx.region, input),
  ListTaskDefinitions: (ctx: EcsContext, input: ListTaskDefinitionsCommandInput) =>
    listTaskDefinitions(ctx.region, input),
  ListTaskDefinitionFamilies: (ctx: EcsContext, input: ListTaskDefinitionFamiliesCommandInput) =>
    listTaskDefinitionFamilies(ctx.region, input),
  DeregisterTaskDefinition: (ctx: EcsContext, input: DeregisterTaskDefinitionCommandInput) =>
    deregisterTaskDefinition(ctx.region, input),
};
