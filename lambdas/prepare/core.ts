import type { IAMClient } from '@aws-sdk/client-iam';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { AwsClients } from '../shared/aws/clients';
import { type Allowlists, NO_ALLOWLISTS } from '../shared/config/allowlists';
import type { DeployConfig } from '../shared/config/deploy-config';
import { ConfigError } from '../shared/config/error';
import { InvalidDeploymentError } from '../shared/contracts/errors';
import { type ExecutionInput, parseExecutionInput } from '../shared/contracts/execution-input';
import type { DeploymentContext, Plan, PrepareInput } from '../shared/contracts/state';
import { stateSizeProblem } from '../shared/contracts/state-size';
import { acquireLock, LockError, type LockStore, lockTargets, releaseLock } from '../shared/deploy-lock';
import { clusterProblem, clusterProblemByName, roleProblem } from './allowed';
import { inspectContainers } from './containers';
import { gatePlan, gateServiceProblems } from './gate';
import { alreadyRuns, decideOverlap } from './overlaps';
import { unmatchedTag } from './pushed-tag';
import { resolveRules } from './resolve-rules';
import { resolveServices } from './resolve-services';
import { isRestoreInput, prepareRestore } from './restore';
import { checkTargetRoles } from './target-roles';

export interface PrepareOptions {
  /** The region for services and rules whose cluster is a bare name and whose file has no `region`. */
  defaultRegion: string;
  /** Step Functions, the function's own credentials: a restore reads the stopped execution's plan. */
  stepFunctions?: SFNClient;
  /**
   * IAM, with `role.arn`'s credentials (the rules' roles are in that account): checks that every
   * scheduled task's role may run the revisions gehen will register. Without it nothing is checked.
   */
  iam?: (clients: AwsClients) => IAMClient;
  /**
   * The deployment lock (deploy-lock.ts), taken for every service and rule of the plan, to refuse
   * overlapping deployments and skip duplicate pushes. The function's own credentials (never
   * `role.arn`'s): the table is in gehen's account. The handler always passes it; without it no
   * lock is taken.
   */
  lock?: { store: LockStore; ttlSeconds: number };
  /** The stack's allowlists (clusters, repositories, role.arn): a deployment outside them is refused. @default none */
  allowlists?: Allowlists;
}

/**
 * Prepare Deployment: validates the execution input, resolves every service and scheduled-task
 * rule, and records what runs now. Any problem — all of them, in one InvalidDeploymentError —
 * stops the deployment before anything is changed. Reads only.
 */
export async function prepare(
  input: PrepareInput,
  clientsFor: (roleArn: string | null, externalId: string | null) => AwsClients,
  options: PrepareOptions,
): Promise<Plan> {
  if (isRestoreInput(input.execution)) {
    const plan = await prepareRestore(input.execution, input.executionArn, options.stepFunctions);
    if (plan.skipped === undefined && options.lock) {
      // The stopped execution still holds its targets (it never reached Release Lock): hand them to
      // the restore. A deployment that took any of them since (after the lock's TTL) goes first:
      // restoring would undo it, so the restore is refused, naming it.
      if (plan.restoreOf) await releaseLock(options.lock.store, plan.restoreOf.executionArn);
      decideOverlap(plan, 'console', await takeLock(plan, input.executionArn, options.lock));
    }
    return plan;
  }
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
  const roleProblems =
    options.iam && rules.length > 0
      ? await checkTargetRoles(options.iam(clients), rules, resolvedRules.roles, execution.gitsha)
      : [];
  const gate = config.gate ?? null;
  const problems = [
    ...early.flatMap(({ problem }) => problem ?? []),
    ...resolved.problems,
    ...resolvedRules.problems,
    ...outside,
    ...inspected.problems,
    ...roleProblems,
    ...(gate ? gateServiceProblems(gate, config.timeoutMinutes, resolved.services) : []),
  ];

  if (problems.length > 0) {
    throw new InvalidDeploymentError(
      `the deployment cannot start, nothing was changed:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      problems,
    );
  }

  const plan: Plan = {
    deployment: deploymentOf(execution.gitsha, config, input.executionArn),
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
  // Last, once nothing can refuse the deployment any more: a Prepare that takes the lock returns.
  if (options.lock) {
    const outcome = await takeLock(plan, input.executionArn, options.lock);
    const decision = decideOverlap(plan, execution.source, outcome);
    if (decision.kind === 'skip') return { ...plan, skipped: decision.reason };
  }
  return plan;
}

async function takeLock(plan: Plan, executionArn: string, lock: NonNullable<PrepareOptions['lock']>) {
  try {
    return await acquireLock(lock.store, {
      executionArn,
      gitsha: plan.deployment.gitsha,
      targets: lockTargets(plan),
      ttlSeconds: lock.ttlSeconds,
    });
  } catch (error) {
    // AccessDenied, a missing table: nothing was changed, and retrying will not help.
    if (error instanceof LockError) throw new InvalidDeploymentError(error.message, [error.message], { cause: error });
    throw error;
  }
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
