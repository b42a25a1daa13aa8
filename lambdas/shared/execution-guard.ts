import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
} from '@aws-sdk/client-sfn';
import type { MiddlewareObj } from '@middy/core';
import { CLIENT_DEFAULTS } from './aws/client-defaults';
import { clusterName, taskDefinitionFamily } from './aws/ecs-names';
import { isTransientAwsError, TransientAwsError, UnauthorizedInvocationError } from './contracts/errors';
import type {
  DeploymentContext,
  GatePlan,
  Plan,
  PlannedRule,
  PlannedService,
  ServiceStepInput,
} from './contracts/state';
import { PREPARE_STATE_NAME } from './contracts/state-names';

/**
 * Anyone with lambda:InvokeFunction on a write step could otherwise point any service or rule at
 * any task definition. Each write step proves it acts for a RUNNING execution of this stack's
 * state machine, on a target of that execution's plan, before it changes anything.
 */

/** What a write step's payload claims to act on. */
export interface StepClaim {
  deployment: DeploymentContext;
  service?: PlannedService;
  /** Several planned services at once (Continue Gate acts on every one): each checked as `service` is. */
  services?: readonly PlannedService[];
  /** The gate the step acts at (Continue Gate): it must be the planned one. */
  gate?: GatePlan;
  rule?: PlannedRule;
  /** A task definition the step will put on the service: its family must be the planned one's. */
  taskDefinition?: string;
}

export interface ExecutionGuardOptions {
  stepFunctions: SFNClient;
  /** This stack's state machine (GEHEN_STATE_MACHINE_ARN, set by the stack). */
  stateMachineArn: string;
  /** The region of services and rules whose config names none (the function's own). */
  defaultRegion: string;
  /** Waits before each new look at an execution not found yet. @default [250, 500, 1000, 2000] */
  retryDelaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_DELAYS_MS = [250, 500, 1000, 2000];

/**
 * Refuses (UnauthorizedInvocationError) unless the claim is what a running execution of this
 * state machine planned. DescribeExecution and GetExecutionHistory are eventually consistent
 * ("best effort", https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html):
 * an execution or a Prepare result not found yet is looked for again briefly before refusing.
 */
export async function authorizeClaim(claim: StepClaim, options: ExecutionGuardOptions): Promise<void> {
  const executionArn = claim.deployment?.executionArn;
  if (typeof executionArn !== 'string') {
    throw new UnauthorizedInvocationError('refused: the payload names no execution (deployment.executionArn)');
  }
  const prefix = `${options.stateMachineArn.replace(':stateMachine:', ':execution:')}:`;
  if (!executionArn.startsWith(prefix)) {
    throw new UnauthorizedInvocationError(`refused: ${executionArn} is not an execution of ${options.stateMachineArn}`);
  }
  const delays = options.retryDelaysMs ?? DEFAULT_DELAYS_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 0; ; attempt++) {
    const found = await lookUp(executionArn, options);
    if (found !== null) {
      const problem = claimProblem(claim, found.execution, found.input, found.plan, options);
      if (problem === null) return;
      if (problem !== NOT_YET) throw new UnauthorizedInvocationError(`refused: ${problem}`);
    }
    const delay = delays[attempt];
    if (delay === undefined) {
      throw new UnauthorizedInvocationError(`refused: no execution ${executionArn} with a plan was found`);
    }
    await sleep(delay);
  }
}

const NOT_YET = 'not yet';

interface FoundExecution {
  execution: DescribeExecutionCommandOutput;
  input: unknown;
  plan: Plan | null;
}

async function lookUp(executionArn: string, options: ExecutionGuardOptions): Promise<FoundExecution | null> {
  let execution: DescribeExecutionCommandOutput;
  try {
    execution = await options.stepFunctions.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if (error instanceof Error && error.name === 'ExecutionDoesNotExist') return null;
    throw guardError(`describe execution ${executionArn}`, error);
  }
  let plan: Plan | null = null;
  if (execution.status === 'RUNNING') {
    try {
      const history = await options.stepFunctions.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 100, includeExecutionData: true }),
      );
      plan = preparedPlan(history.events ?? []);
    } catch (error) {
      throw guardError(`read the history of execution ${executionArn}`, error);
    }
  }
  let input: unknown = null;
  try {
    input = JSON.parse(execution.input ?? 'null');
  } catch {
    input = null;
  }
  return { execution, input, plan };
}

function guardError(context: string, error: unknown): Error {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (isTransientAwsError(error)) return new TransientAwsError(`failed to ${context}: ${detail}`, { cause: error });
  return new UnauthorizedInvocationError(`refused: cannot ${context}: ${detail}`, { cause: error });
}

/**
 * Prepare Deployment's result, from the first events of the history: the Lambda that succeeded
 * while the state Prepare Deployment was running (after any retried attempts), before it exited.
 */
export function preparedPlan(events: readonly HistoryEvent[]): Plan | null {
  const entered = events.findIndex((e) => e.stateEnteredEventDetails?.name === PREPARE_STATE_NAME);
  if (entered < 0) return null;
  for (const event of events.slice(entered + 1)) {
    if (event.stateEnteredEventDetails || event.stateExitedEventDetails) return null;
    const output = event.lambdaFunctionSucceededEventDetails?.output;
    if (output === undefined) continue;
    try {
      const plan = JSON.parse(output) as Partial<Plan> | null;
      return plan?.deployment && Array.isArray(plan.services) && Array.isArray(plan.scheduledTasks)
        ? (plan as Plan)
        : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** Why the claim is refused; NOT_YET when the plan is not readable yet; null when it holds. */
export function claimProblem(
  claim: StepClaim,
  execution: DescribeExecutionCommandOutput,
  input: unknown,
  plan: Plan | null,
  options: Pick<ExecutionGuardOptions, 'stateMachineArn' | 'defaultRegion'>,
): string | null {
  const arn = claim.deployment.executionArn;
  if (execution.stateMachineArn !== options.stateMachineArn) {
    return `${arn} is an execution of ${execution.stateMachineArn}, not of ${options.stateMachineArn}`;
  }
  if (execution.status !== 'RUNNING') return `execution ${arn} is ${execution.status}, not RUNNING`;
  const config = configuredTargets(input);
  if (config === null) return `execution ${arn} has no valid deployment input`;
  if (claim.deployment.roleArn !== config.roleArn || claim.deployment.roleExternalId !== config.roleExternalId) {
    return `role ${claim.deployment.roleArn ?? '(none)'} is not execution ${arn}'s role.arn (${config.roleArn ?? 'none'})`;
  }
  const regionOf = (region: string | null) => region ?? config.region ?? options.defaultRegion;
  const { rule } = claim;
  for (const service of claimedServices(claim)) {
    const configured = config.services.some(
      (s) =>
        s.name === service.name &&
        clusterName(s.cluster) === clusterName(service.cluster) &&
        regionOf(s.region) === service.region,
    );
    if (!configured) {
      return `service ${service.name} in cluster ${clusterName(service.cluster)} (${service.region}) is not in execution ${arn}'s config`;
    }
  }
  if (rule && !config.scheduledTasks.some((t) => t.rule === rule.rule && regionOf(t.region) === rule.region)) {
    return `scheduled task rule ${rule.rule} (${rule.region}) is not in execution ${arn}'s config`;
  }
  if (plan === null) return NOT_YET;
  return planProblem(claim, plan);
}

/** What the guard reads of an execution's config: its role and its targets. */
interface ConfiguredTargets {
  roleArn: string | null;
  roleExternalId?: string;
  region: string | null;
  services: ReadonlyArray<{ name: string; cluster: string; region: string | null }>;
  scheduledTasks: ReadonlyArray<{ rule: string; region: string | null }>;
}

/**
 * The execution input's config, if it has the shape of one (a restore's, restore-<name>, carries
 * the stopped deployment's gitsha and config beside what it restores); null if not. Only its shape:
 * Prepare validated the whole input (contracts/execution-input.ts) before it planned, and a claim
 * passes only when it is also what that plan recorded (planProblem). The schema itself would add
 * ~15 KB of zod to every write step's bundle.
 */
function configuredTargets(input: unknown): ConfiguredTargets | null {
  const config = field(input, 'config');
  const services = field(config, 'services');
  const scheduledTasks = field(config, 'scheduledTasks');
  const externalId = field(config, 'roleExternalId');
  const valid =
    typeof field(input, 'gitsha') === 'string' &&
    isNullableString(field(config, 'roleArn')) &&
    (externalId === undefined || typeof externalId === 'string') &&
    isNullableString(field(config, 'region')) &&
    Array.isArray(services) &&
    services.every(
      (s) =>
        typeof field(s, 'name') === 'string' &&
        typeof field(s, 'cluster') === 'string' &&
        isNullableString(field(s, 'region')),
    ) &&
    Array.isArray(scheduledTasks) &&
    scheduledTasks.every((t) => typeof field(t, 'rule') === 'string' && isNullableString(field(t, 'region')));
  return valid ? (config as ConfiguredTargets) : null;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function isNullableString(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

/** The claim against Prepare's plan: the exact service or rule it recorded, and the family it runs. */
function planProblem(claim: StepClaim, plan: Plan): string | null {
  const arn = claim.deployment.executionArn;
  const { deployment, rule, taskDefinition } = claim;
  const planned = plan.deployment;
  if (deployment.gitsha !== planned.gitsha || deployment.updateStrategy !== planned.updateStrategy) {
    return `the deployment (${deployment.gitsha}, ${deployment.updateStrategy}) is not execution ${arn}'s plan`;
  }
  if (claim.gate !== undefined && !sameJson(claim.gate, plan.gate)) {
    return `the gate is not execution ${arn}'s plan's`;
  }
  for (const service of claimedServices(claim)) {
    const match = plan.services.find(
      (s) => s.name === service.name && s.cluster === service.cluster && s.region === service.region,
    );
    if (!match || !sameJson(match, service)) {
      return `service ${service.name} is not as execution ${arn}'s plan recorded it`;
    }
    const family = taskDefinitionFamily(match.previousTaskDefinition);
    if (taskDefinition !== undefined && taskDefinitionFamily(taskDefinition) !== family) {
      return `task definition ${taskDefinition} is not of family ${family}, which service ${service.name} runs`;
    }
  }
  if (rule) {
    const match = plan.scheduledTasks.find((r) => r.rule === rule.rule && r.region === rule.region);
    if (!match || !sameJson(match, rule))
      return `scheduled task rule ${rule.rule} is not as execution ${arn}'s plan recorded it`;
  }
  return null;
}

function claimedServices(claim: StepClaim): readonly PlannedService[] {
  return [...(claim.service ? [claim.service] : []), ...(claim.services ?? [])];
}

function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)))
      : v,
  );
}

/** The claim of a step that acts on one planned service (Register Task Definition, Roll Back). */
export function serviceClaim(event: ServiceStepInput): StepClaim {
  return { deployment: event.deployment, service: event.service };
}

/** The guard as middy middleware: runs before the step's handler, which it never reaches when refused. */
export function executionGuard<TEvent>(
  options: ExecutionGuardOptions,
  claimOf: (event: TEvent) => StepClaim,
): MiddlewareObj<TEvent> {
  return {
    before: async (request) => {
      await authorizeClaim(claimOf(request.event), options);
    },
  };
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[\w-]+$/;

/**
 * The guard's options at cold start, from the write step's environment: its region and
 * GEHEN_STATE_MACHINE_ARN (set by the stack). The function's own credentials: the state machine is
 * in gehen's account. Checked by hand, not with zod, which would be most of what the guard adds
 * to a write step's bundle.
 */
export function guardOptionsFromEnv(env: Record<string, string | undefined>): ExecutionGuardOptions {
  const region = env.AWS_REGION;
  const stateMachineArn = env.GEHEN_STATE_MACHINE_ARN;
  if (!region) throw new Error('AWS_REGION is not set');
  if (stateMachineArn === undefined || !STATE_MACHINE_ARN.test(stateMachineArn)) {
    throw new Error(`GEHEN_STATE_MACHINE_ARN is not a state machine's ARN: ${stateMachineArn ?? '(not set)'}`);
  }
  return {
    stepFunctions: new SFNClient({ ...CLIENT_DEFAULTS, region }),
    stateMachineArn,
    defaultRegion: region,
  };
}
