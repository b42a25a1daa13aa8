import type { AwsClients } from '../shared/aws/clients';
import { bakeTimeSeconds, trafficShiftSeconds } from '../shared/aws/service-deployments';
import { type Allowlists, NO_ALLOWLISTS } from '../shared/config/allowlists';
import { MAX_ROUNDS_PER_PHASE } from '../shared/config/bounds';
import type { DeployConfig } from '../shared/config/deploy-config';
import { ConfigError } from '../shared/config/error';
import { InvalidDeploymentError } from '../shared/contracts/errors';
import { type ExecutionInput, parseExecutionInput } from '../shared/contracts/execution-input';
import type { DeploymentContext, Plan, PrepareInput } from '../shared/contracts/state';
import { stateSizeProblem } from '../shared/contracts/state-size';
import { alreadyRuns } from '../shared/overlaps';
import { clusterProblem, clusterProblemByName, roleProblem } from './allowed';
import { inspectContainers } from './containers';
import { gatePlan, gateServiceProblems } from './gate';
import { unmatchedTag } from './pushed-tag';
import { resolveRules } from './resolve-rules';
import { type ResolvedService, resolveServices } from './resolve-services';

export interface PrepareOptions {
  /** The region for services and rules whose cluster is a bare name and whose file has no `region`. */
  defaultRegion: string;
  /** The stack's allowlists (clusters, repositories, role.arn): a deployment outside them is refused. @default none */
  allowlists?: Allowlists;
}

/**
 * Prepare Deployment: validates the execution input, resolves every service and scheduled-task
 * rule, and records what runs now. Any problem — all of them, in one InvalidDeploymentError —
 * stops the deployment before anything is changed. Reads only. The next steps finish the plan:
 * Check Scheduled Task Roles (lambdas/check-target-roles), then Acquire Lock (lambdas/acquire-lock);
 * a restore's plan is Prepare Restore's (lambdas/prepare-restore).
 */
export async function prepare(
  input: PrepareInput,
  clientsFor: (roleArn: string | null, externalId: string | null) => AwsClients,
  options: PrepareOptions,
): Promise<Plan> {
  const tagProblem = unmatchedTag(input.execution);
  if (tagProblem !== null) return nothingToDeploy(input, tagProblem);
  const execution = parse(input.execution);
  const { config } = execution;
  const allow = options.allowlists ?? NO_ALLOWLISTS;
  // Refused before role.arn is assumed: a role outside the allowlist is never used, even to read.
  const badRole = roleProblem(config.roleArn, allow);
  if (badRole !== null) {
    throw new InvalidDeploymentError(`the deployment cannot start, nothing was changed:\n  - ${badRole}`, [badRole]);
  }
  const clients = clientsFor(config.roleArn, config.roleExternalId ?? null);

  // A cluster the allowlist refuses by its name is not even described: the steps' IAM grants
  // reach only the allowed clusters, and the refusal must name the rule, not an AccessDenied.
  const early = config.services.map((s) => ({
    s,
    problem: clusterProblemByName(`services.${s.name}`, s.cluster, allow),
  }));
  const inAllowed = { ...execution, config: { ...config, services: early.filter((e) => !e.problem).map((e) => e.s) } };
  const [resolved, resolvedRules] = await Promise.all([
    resolveServices(inAllowed, clients, options.defaultRegion),
    resolveRules(execution, clients, options.defaultRegion, allow),
  ]);
  const outside = resolved.services.flatMap(({ path, planned }) => clusterProblem(path, planned.cluster, allow) ?? []);
  const inspected = await inspectContainers(clients, resolved.services, resolvedRules.rules, allow);
  const { services, rules } = inspected;
  const gate = config.gate ?? null;
  const problems = [
    ...early.flatMap(({ problem }) => problem ?? []),
    ...resolved.problems,
    ...resolvedRules.problems,
    ...outside,
    ...inspected.problems,
    ...(gate ? gateServiceProblems(gate, config.timeoutMinutes, resolved.services) : []),
  ];

  if (problems.length > 0) {
    throw new InvalidDeploymentError(
      `the deployment cannot start, nothing was changed:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      problems,
    );
  }

  const deployment = deploymentOf(execution.gitsha, config, input.executionArn);
  const plan: Plan = {
    deployment: {
      ...deployment,
      pollIntervalSeconds: pollIntervalForBakes(deployment, resolved.services),
    },
    services,
    scheduledTasks: rules,
    ...(gate ? { gate: gatePlan(gate) } : {}),
  };
  // Refused before anything changes: past 256 KiB the execution would fail mid-way, uncatchably.
  const tooBig = stateSizeProblem(plan);
  if (tooBig !== null) {
    throw new InvalidDeploymentError(`the deployment cannot start, nothing was changed:\n  - ${tooBig}`, [tooBig]);
  }
  if (execution.source === 'ecr' && alreadyRuns(plan)) {
    return { ...plan, skipped: `every service and scheduled task already runs ${execution.gitsha}` };
  }
  return plan;
}

/** The plan of a push whose tag is not deployed: the config is still validated, no AWS call is made. */
function nothingToDeploy(input: PrepareInput, reason: string): Plan {
  const execution = input.execution as Record<string, unknown>;
  const { config } = parse({ ...execution, gitsha: '0000000' });
  return {
    deployment: deploymentOf(String(execution.gitsha), config, input.executionArn),
    services: [],
    scheduledTasks: [],
    skipped: reason,
  };
}

function deploymentOf(gitsha: string, config: DeployConfig, executionArn: string): DeploymentContext {
  return {
    gitsha,
    updateStrategy: config.updateStrategy,
    roleArn: config.roleArn,
    ...(config.roleExternalId === undefined ? {} : { roleExternalId: config.roleExternalId }),
    timeoutSeconds: Math.round(config.timeoutMinutes * 60),
    pollIntervalSeconds: config.pollIntervalSeconds,
    requiredMatches: config.requiredMatches,
    executionArn,
    ...(config.cleanupRevisions ? { keepRevisions: config.cleanupRevisions.keep } : {}),
  };
}

/**
 * A blue/green, linear or canary service's verify and drain phases last timeoutSeconds plus its
 * bake times (docs/steps.md: `bakeSeconds`); each phase holds at most MAX_ROUNDS_PER_PHASE rounds.
 * The poll interval is raised, never lowered, so the longest phase fits: otherwise a healthy
 * deployment with a long bake would expire at the round cap and roll back. The cost is detection
 * latency (a 54-minute linear bake at timeoutMinutes 10 polls every 16 s), never history.
 */
export function pollIntervalForBakes(
  deployment: Pick<DeploymentContext, 'timeoutSeconds' | 'pollIntervalSeconds'>,
  services: readonly Pick<ResolvedService, 'deploymentConfiguration'>[],
): number {
  const longestBake = Math.max(
    0,
    ...services.map(({ deploymentConfiguration: c }) => Math.max(trafficShiftSeconds(c), bakeTimeSeconds(c))),
  );
  const fitting = Math.ceil((deployment.timeoutSeconds + longestBake) / MAX_ROUNDS_PER_PHASE);
  return Math.max(deployment.pollIntervalSeconds, fitting);
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
