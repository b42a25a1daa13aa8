import type { Service } from '@aws-sdk/client-ecs';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { AwsClients } from '../shared/clients';
import { ConfigError, type ExecutionInput, GITSHA, parseExecutionInput } from '../shared/config';
import type { Plan, PlannedRule, PlannedService, PrepareInput } from '../shared/contracts';
import { describeServicesBatched, lookupKey, type ServiceLookup } from '../shared/describe-services';
import { clusterName, shortTaskDefinition } from '../shared/ecs-names';
import { InvalidDeploymentError } from '../shared/errors';
import { DEFAULT_EVENT_BUS, isEcsTarget, listRuleTargets } from '../shared/rule-targets';
import { selectContainers, shaOfContainers } from '../shared/task-definition';
import { awsProblem, describeTaskDefinitions, type Problems } from './lookups';
import { alreadyRuns, decideOverlap, runningDeployments } from './overlaps';

export interface PrepareOptions {
  /** The region for services and rules whose cluster is a bare name and whose file has no `region`. */
  defaultRegion: string;
  /**
   * Reads this state machine's running executions, to refuse overlapping deployments and skip
   * duplicate pushes. The function's own credentials (never `role.arn`'s): the state machine is in
   * gehen's account. The handler always passes it; without it no overlap is looked for.
   */
  stepFunctions?: SFNClient;
}

/**
 * Prepare Deployment: validates the execution input, resolves every service and scheduled-task
 * rule, and records what runs now. Any problem — all of them, in one InvalidDeploymentError —
 * stops the deployment before anything is changed. Reads only.
 */
export async function prepare(
  input: PrepareInput,
  clientsFor: (roleArn: string | null) => AwsClients,
  options: PrepareOptions,
): Promise<Plan> {
  const tagProblem = unmatchedTag(input.execution);
  if (tagProblem !== null) return nothingToDeploy(input, tagProblem);
  const execution = parse(input.execution);
  const { config } = execution;
  const clients = clientsFor(config.roleArn);
  const problems: Problems = [];

  const [services, rules] = await Promise.all([
    resolveServices(execution, clients, options.defaultRegion, problems),
    resolveRules(execution, clients, options.defaultRegion, problems),
  ]);

  const definitions = await describeTaskDefinitions(
    clients,
    [
      ...services.map((s) => s.planned),
      ...rules.flatMap((r) => r.targets.map((t) => ({ region: r.region, ...t }))),
    ].map((item) => ({ region: item.region, taskDefinition: item.previousTaskDefinition })),
    problems,
  );
  for (const { planned, path } of services) {
    const definition = definitions.get(planned.region, planned.previousTaskDefinition);
    if (!definition) continue;
    const { missing } = selectContainers(definition, planned.containers);
    if (missing.length > 0) {
      problems.push(`${path}.containers: ${missingMessage(missing, planned.previousTaskDefinition, definition)}`);
    }
    planned.previousSha = shaOfContainers(definition, planned.containers);
  }
  for (const rule of rules) {
    for (const target of rule.targets) {
      const definition = definitions.get(rule.region, target.previousTaskDefinition);
      if (!definition) continue;
      const { missing } = selectContainers(definition, rule.containers);
      if (missing.length > 0) {
        problems.push(
          `scheduledTasks.${rule.rule}.containers: target ${target.id}: ${missingMessage(missing, target.previousTaskDefinition, definition)}`,
        );
      }
      target.previousSha = shaOfContainers(definition, rule.containers);
    }
  }

  if (problems.length > 0) {
    throw new InvalidDeploymentError(
      `the deployment cannot start, nothing was changed:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      problems,
    );
  }

  const plan: Plan = {
    deployment: {
      gitsha: execution.gitsha,
      updateStrategy: config.updateStrategy,
      roleArn: config.roleArn,
      timeoutSeconds: Math.round(config.timeoutMinutes * 60),
      pollIntervalSeconds: config.pollIntervalSeconds,
      requiredMatches: config.requiredMatches,
      executionArn: input.executionArn,
    },
    services: services.map((s) => s.planned),
    scheduledTasks: rules,
  };
  if (execution.source === 'ecr' && alreadyRuns(plan)) {
    return { ...plan, skipped: `every service and scheduled task already runs ${execution.gitsha}` };
  }
  if (options.stepFunctions) {
    const { self, others } = await runningDeployments(options.stepFunctions, input.executionArn, options.defaultRegion);
    const decision = decideOverlap(plan, { ...self, source: execution.source }, others);
    if (decision.kind === 'skip') return { ...plan, skipped: decision.reason };
  }
  return plan;
}

/**
 * A push-started execution's image tag that the trigger's tagPattern (or the SHA format) rejects:
 * EventBridge patterns cannot test a regular expression, so every push starts an execution and
 * this ends it as Nothing To Deploy. Null for every other execution.
 */
function unmatchedTag(execution: unknown): string | null {
  const { source, gitsha, tagPattern } = (execution ?? {}) as Record<string, unknown>;
  if (source !== 'ecr' || typeof gitsha !== 'string') return null;
  const pattern = typeof tagPattern === 'string' ? tagPattern : GITSHA.source;
  let matches: boolean;
  try {
    matches = new RegExp(pattern).test(gitsha);
  } catch {
    return null; // parse() reports the invalid pattern
  }
  if (!matches) return `image tag ${gitsha} does not match the trigger's tagPattern ${pattern}`;
  if (!GITSHA.test(gitsha)) return `image tag ${gitsha} is not a git SHA (7 to 40 hexadecimal characters)`;
  return null;
}

/** The plan of a push whose tag is not deployed: the config is still validated, no AWS call is made. */
function nothingToDeploy(input: PrepareInput, reason: string): Plan {
  const execution = input.execution as Record<string, unknown>;
  const { config } = parse({ ...execution, gitsha: '0000000' });
  return {
    deployment: {
      gitsha: String(execution.gitsha),
      updateStrategy: config.updateStrategy,
      roleArn: config.roleArn,
      timeoutSeconds: Math.round(config.timeoutMinutes * 60),
      pollIntervalSeconds: config.pollIntervalSeconds,
      requiredMatches: config.requiredMatches,
      executionArn: input.executionArn,
    },
    services: [],
    scheduledTasks: [],
    skipped: reason,
  };
}

function parse(execution: unknown): ExecutionInput {
  try {
    return parseExecutionInput(execution);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new InvalidDeploymentError(error.message, error.problems, { cause: error });
    }
    throw error;
  }
}

interface ResolvedService {
  planned: PlannedService;
  /** "services.api", for problems found later. */
  path: string;
}

async function resolveServices(
  execution: ExecutionInput,
  clients: AwsClients,
  defaultRegion: string,
  problems: Problems,
): Promise<ResolvedService[]> {
  const { config } = execution;
  const lookups = config.services.map((service) => ({
    service,
    lookup: {
      region: service.region ?? config.region ?? defaultRegion,
      cluster: service.cluster,
      service: service.name,
    },
  }));
  // One describeServicesBatched per cluster, so an unknown cluster costs its own services only.
  const clusters = new Map<string, ServiceLookup[]>();
  for (const { lookup } of lookups) {
    const key = `${lookup.region}|${lookup.cluster}`;
    clusters.set(key, [...(clusters.get(key) ?? []), lookup]);
  }
  const found = new Map<string, Service>();
  const reported = new Set<string>();
  await Promise.all(
    [...clusters.values()].map(async (group) => {
      const first = group[0] as ServiceLookup;
      try {
        const described = await describeServicesBatched(clients.ecs, group);
        for (const [key, service] of described.found) found.set(key, service);
      } catch (error) {
        const where = `cluster ${clusterName(first.cluster)} (${first.region})`;
        const cause = error instanceof Error ? error.cause : undefined;
        const unknownCluster = cause instanceof Error && cause.name === 'ClusterNotFoundException';
        const message = unknownCluster ? `${where} does not exist` : awsProblem(error);
        for (const lookup of group) {
          problems.push(`services.${lookup.service}${unknownCluster ? '.cluster' : ''}: ${message}`);
          reported.add(lookupKey(lookup));
        }
      }
    }),
  );

  const resolved: ResolvedService[] = [];
  for (const { service, lookup } of lookups) {
    const path = `services.${service.name}`;
    const described = found.get(lookupKey(lookup));
    const where = `cluster ${clusterName(lookup.cluster)} (${lookup.region})`;
    if (!described) {
      if (!reported.has(lookupKey(lookup))) problems.push(`${path}: no such service in ${where}`);
      continue;
    }
    if (described.status !== 'ACTIVE') {
      problems.push(`${path}: the service is ${described.status ?? 'not active'} in ${where}`);
      continue;
    }
    // UpdateService with a new task definition fails for these (CodeDeploy and external
    // controllers deploy through their own APIs): found here, before scheduled tasks change.
    const controller = described.deploymentController?.type ?? 'ECS';
    if (controller !== 'ECS') {
      problems.push(`${path}: uses the ${controller} deployment controller; gehen deploys only ECS rolling updates`);
      continue;
    }
    if (!described.taskDefinition || !described.serviceArn) {
      problems.push(`${path}: ECS reported no task definition for the service in ${where}`);
      continue;
    }
    resolved.push({
      path,
      planned: {
        name: service.name,
        cluster: described.clusterArn ?? service.cluster,
        serviceArn: described.serviceArn,
        region: lookup.region,
        url: service.url,
        containers: service.containers,
        previousTaskDefinition: described.taskDefinition,
        previousSha: null,
      },
    });
  }
  return resolved;
}

async function resolveRules(
  execution: ExecutionInput,
  clients: AwsClients,
  defaultRegion: string,
  problems: Problems,
): Promise<PlannedRule[]> {
  const { config } = execution;
  const rules = await Promise.all(
    config.scheduledTasks.map(async (task): Promise<PlannedRule | null> => {
      const region = task.region ?? config.region ?? defaultRegion;
      const path = `scheduledTasks.${task.rule}`;
      let targets: Awaited<ReturnType<typeof listRuleTargets>>;
      try {
        targets = await listRuleTargets(clients.events(region), task.rule, DEFAULT_EVENT_BUS);
      } catch (error) {
        if (error instanceof Error && error.name === 'ResourceNotFoundException') {
          problems.push(`${path}: no such rule on event bus ${DEFAULT_EVENT_BUS} in ${region}`);
        } else {
          problems.push(`${path}: ${awsProblem(error, `list the targets of rule ${task.rule} (${region})`)}`);
        }
        return null;
      }
      const ecsTargets = targets.filter(isEcsTarget);
      if (ecsTargets.length === 0) {
        problems.push(`${path}: the rule has no ECS task targets in ${region}`);
        return null;
      }
      return {
        rule: task.rule,
        region,
        eventBusName: DEFAULT_EVENT_BUS,
        containers: task.containers,
        targets: ecsTargets.map((t) => ({
          id: t.Id,
          previousTaskDefinition: t.EcsParameters.TaskDefinitionArn,
          previousSha: null,
        })),
      };
    }),
  );
  return rules.filter((rule): rule is PlannedRule => rule !== null);
}

function missingMessage(
  missing: readonly string[],
  taskDefinition: string,
  definition: { containerDefinitions?: { name?: string }[] },
): string {
  const names = (definition.containerDefinitions ?? []).map((c) => c.name).join(', ');
  return `task definition ${shortTaskDefinition(taskDefinition)} has no container ${missing.join(', ')} (it has ${names})`;
}
