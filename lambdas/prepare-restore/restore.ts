import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
  paginateGetExecutionHistory,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { InvalidDeploymentError, TransientAwsError, wrapAwsError } from '../shared/contracts/errors';
import { parseExecutionInput } from '../shared/contracts/execution-input';
import { executionNameOf, restoreNameOf } from '../shared/contracts/restore-name';
import type { AbortedExecution, DeploymentContext, Plan } from '../shared/contracts/state';
import {
  ACQUIRE_LOCK_STATE_NAME,
  PLANNING_STATE_NAMES,
  PREPARE_RESTORE_STATE_NAME,
  PREPARE_STATE_NAME,
} from '../shared/contracts/state-names';
import * as z from '../shared/zod';

/**
 * Restores: an execution of this state machine that was stopped, timed out, or failed without
 * reaching one of gehen's Fail states (States.DataLimitExceeded, States.Runtime…) reaches no Catch,
 * so it rolls nothing back itself. Step Functions' `Execution Status Change` event starts this
 * state machine with `{ restoreOf: ARN }` (lib/restore-trigger.ts); that execution only starts
 * `restore-<name>` and ends; `restore-<name>` reads the aborted execution's plan from its history
 * and goes straight to the rollback.
 * https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html
 */

/** A restore of a restore of a restore: something fails every time, and a person must look. */
export const MAX_RESTORE_DEPTH = 3;

const RESTORABLE = new Set(['ABORTED', 'TIMED_OUT', 'FAILED']);

const restoreInputSchema = z.object({
  restoreOf: z.string().check(z.regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/)),
  /** 1 for the restore of a deployment, 2 for the restore of that restore… */
  restoreDepth: z.optional(z.number().check(z.int(), z.gte(1))),
  /** The aborted deployment's gitsha and config: other executions' Prepare reads what a restore touches. */
  gitsha: z.optional(z.string()),
  config: z.optional(z.unknown()),
});

export type RestoreInput = z.output<typeof restoreInputSchema>;

export function isRestoreInput(execution: unknown): boolean {
  return typeof execution === 'object' && execution !== null && 'restoreOf' in execution;
}

/**
 * Prepare for `{ restoreOf }`. Started by the rule (any name): starts `restore-<name>` and returns a
 * skipped plan saying so. Started as `restore-<name>`: the aborted execution's plan with
 * `restoreOf`, or a skipped plan when it had changed nothing.
 */
export async function prepareRestore(
  execution: unknown,
  executionArn: string,
  sfn: SFNClient | undefined,
): Promise<Plan> {
  const parsed = restoreInputSchema.safeParse(execution);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`);
    throw new InvalidDeploymentError(`not a restore input, nothing was changed: ${problems.join('; ')}`, problems);
  }
  const input = parsed.data;
  if (!sfn)
    throw new InvalidDeploymentError('a restore reads execution history: Prepare Restore has no Step Functions client');
  if (stateMachineArnOf(input.restoreOf) !== stateMachineArnOf(executionArn)) {
    throw new InvalidDeploymentError(
      `${input.restoreOf} is not an execution of this state machine: nothing to restore`,
    );
  }
  const aborted = await describe(sfn, input.restoreOf);
  const gitsha = typeof input.gitsha === 'string' ? input.gitsha : '';
  const skip = (reason: string): Plan => skippedPlan(gitsha, executionArn, reason);
  const why = abortedExecution(input.restoreOf, aborted);
  if (typeof why === 'string') return skip(why);

  const restoreName = restoreNameOf(input.restoreOf);
  if (executionNameOf(executionArn) !== restoreName) {
    return skip(await startRestore(sfn, executionArn, restoreName, input.restoreOf, aborted));
  }

  const planned = await plannedBy(sfn, input.restoreOf);
  if (planned === null) return skip(`${executionNameOf(input.restoreOf)} ended before it changed anything`);
  if (planned.skipped !== undefined) return skip(`${executionNameOf(input.restoreOf)} had nothing to deploy`);
  return {
    ...planned,
    deployment: { ...planned.deployment, executionArn },
    restoreOf: why,
  };
}

/** How the execution ended, or why there is nothing to restore. */
export function abortedExecution(
  executionArn: string,
  described: Pick<DescribeExecutionCommandOutput, 'status' | 'error' | 'cause'>,
): AbortedExecution | string {
  const name = executionNameOf(executionArn);
  const status = described.status ?? 'UNKNOWN';
  if (!RESTORABLE.has(status)) return `${name} is ${status}: nothing to restore`;
  const error = described.error || status;
  // gehen's own Fail states: the execution rolled back (or said why it could not) itself.
  if (status === 'FAILED' && error.startsWith('Gehen.')) return `${name} ended in ${error}: nothing to restore`;
  const how = status === 'ABORTED' ? 'was stopped' : status === 'TIMED_OUT' ? 'timed out' : `failed with ${error}`;
  const cause = described.cause ? `: ${described.cause.slice(0, 500)}` : '';
  return {
    executionArn,
    status: status as AbortedExecution['status'],
    error,
    cause: `${name} ${how}${cause}. Every service and scheduled task it planned is put back on the revision it ran before.`,
  };
}

/**
 * StartExecution of `restore-<name>`, with the aborted deployment's gitsha and config for other
 * executions' overlap checks. A second delivery of the event finds the name taken (or, while the
 * restore runs, the same execution returned): either way one restore.
 */
async function startRestore(
  sfn: SFNClient,
  executionArn: string,
  restoreName: string,
  restoreOf: string,
  aborted: DescribeExecutionCommandOutput,
): Promise<string> {
  const deployed = deploymentOfInput(aborted.input);
  const depth = restoreDepthOf(aborted.input) + 1;
  if (depth > MAX_RESTORE_DEPTH) {
    return `${executionNameOf(restoreOf)} was already restore number ${depth - 1}: not restoring again; put the services back by hand`;
  }
  const input = JSON.stringify({
    restoreOf,
    restoreDepth: depth,
    ...(deployed ? { gitsha: deployed.gitsha, config: deployed.config } : {}),
  });
  try {
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: stateMachineArnOf(executionArn), name: restoreName, input }),
    );
    return `${restoreName} restores what ${executionNameOf(restoreOf)} changed (${started.executionArn})`;
  } catch (error) {
    if (error instanceof Error && error.name === 'ExecutionAlreadyExists') {
      return `${restoreName} already restored what ${executionNameOf(restoreOf)} changed`;
    }
    throw readError(`start ${restoreName}`, error);
  }
}

/** The gitsha and config an execution deployed (directly, or as the restore of one). */
function deploymentOfInput(input: string | undefined): { gitsha: string; config: unknown } | null {
  const value = inputObject(input);
  try {
    const parsed = parseExecutionInput({ gitsha: value.gitsha, config: value.config });
    return { gitsha: parsed.gitsha, config: parsed.config };
  } catch {
    return null;
  }
}

/** 0 for a deployment, n for the n-th restore in a row. */
function restoreDepthOf(input: string | undefined): number {
  const depth = inputObject(input).restoreDepth;
  return typeof depth === 'number' ? depth : 0;
}

function inputObject(input: string | undefined): Record<string, unknown> {
  try {
    const value = JSON.parse(input ?? 'null') as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

async function describe(sfn: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  try {
    return await sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if (error instanceof Error && error.name === 'ExecutionDoesNotExist') {
      throw new InvalidDeploymentError(`${executionArn} does not exist: nothing to restore`, [], { cause: error });
    }
    throw readError(`describe execution ${executionArn}`, error);
  }
}

/**
 * The plan the execution went on with: the output of the last of its planning states that exited
 * (Prepare Deployment, then Acquire Lock, which skips a duplicate push; or a restore's Prepare
 * Restore), read until the first state past planning is entered; null when none exited. An
 * execution of a definition from before Acquire Lock went from Prepare Deployment straight on:
 * its Prepare's plan. The planning states are among the first events: the first page almost
 * always has them.
 */
async function plannedBy(sfn: SFNClient, executionArn: string): Promise<Plan | null> {
  let plan: Plan | null = null;
  try {
    for await (const page of paginateGetExecutionHistory(
      { client: sfn, pageSize: 100 },
      { executionArn, includeExecutionData: true },
    )) {
      for (const event of page.events ?? []) {
        const entered = event.stateEnteredEventDetails?.name;
        if (entered !== undefined && !PLANNING_STATE_NAMES.includes(entered)) return plan;
        if (isPlanExit(event)) plan = planOf(event, executionArn);
      }
    }
  } catch (error) {
    throw readError(`read the history of ${executionArn}`, error);
  }
  return plan;
}

const PLAN_EXITS = new Set([PREPARE_STATE_NAME, PREPARE_RESTORE_STATE_NAME, ACQUIRE_LOCK_STATE_NAME]);

function isPlanExit(event: HistoryEvent): boolean {
  return event.type === 'TaskStateExited' && PLAN_EXITS.has(event.stateExitedEventDetails?.name ?? '');
}

function planOf(event: HistoryEvent, executionArn: string): Plan {
  const output = event.stateExitedEventDetails?.output;
  try {
    const plan = (JSON.parse(output ?? 'null') as { plan?: Plan } | null)?.plan;
    if (plan && Array.isArray(plan.services) && Array.isArray(plan.scheduledTasks)) return plan;
  } catch {
    // falls through: a truncated or unreadable output is no plan
  }
  throw new InvalidDeploymentError(
    `the plan ${event.stateExitedEventDetails?.name ?? PREPARE_STATE_NAME} recorded in ${executionArn} cannot be read: restore its services by hand`,
  );
}

function skippedPlan(gitsha: string, executionArn: string, reason: string): Plan {
  const deployment: DeploymentContext = {
    gitsha,
    updateStrategy: 'current',
    roleArn: null,
    timeoutSeconds: 600,
    pollIntervalSeconds: 15,
    requiredMatches: 1,
    executionArn,
  };
  return { deployment, services: [], scheduledTasks: [], skipped: reason };
}

/** The state machine an execution ARN belongs to. */
export function stateMachineArnOf(executionArn: string): string {
  const match = /^(arn:[^:]+:states:[^:]+:\d{12}):execution:([^:]+):[^:]+$/.exec(executionArn);
  if (!match) throw new Error(`not a Standard workflow execution ARN: ${executionArn}`);
  return `${match[1]}:stateMachine:${match[2]}`;
}

/** A failed read: transient errors stay transient (retried), anything else refuses the restore. */
function readError(context: string, error: unknown): Error {
  const wrapped = wrapAwsError(context, error);
  if (wrapped instanceof TransientAwsError) return wrapped;
  return new InvalidDeploymentError(wrapped.message, [wrapped.message], { cause: error });
}
