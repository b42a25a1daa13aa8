import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { Plan } from '../shared/contracts';
import { clusterName } from '../shared/ecs-names';
import { ConcurrentDeploymentError, InvalidDeploymentError, TransientAwsError, wrapAwsError } from '../shared/errors';
import { type ExecutionInput, parseExecutionInput } from '../shared/execution-input';
import { restoreNameOf } from '../shared/restore-name';

/** Another running execution of gehen-deploy, and what its input deploys. */
export interface RunningDeployment {
  executionArn: string;
  startDate: Date;
  gitsha: string;
  /** `region|cluster name|service`: a bare cluster name and its ARN are the same cluster. */
  services: string[];
  /** `region|rule`. */
  rules: string[];
}

/** This execution, as DescribeExecution reports it. */
export interface ThisExecution {
  executionArn: string;
  startDate: Date;
  source: ExecutionInput['source'];
}

/** What Prepare does about the other running executions. */
export type OverlapDecision = { kind: 'proceed' } | { kind: 'skip'; reason: string };

// DescribeExecution is throttled per account; running executions are few, a handful at a time is plenty.
const DESCRIBE_CONCURRENCY = 5;

export const serviceKey = (region: string, cluster: string, name: string) =>
  `${region}|${clusterName(cluster)}|${name}`;
export const ruleKey = (region: string, rule: string) => `${region}|${rule}`;

/**
 * Who goes first when two executions overlap: the one that started earlier; for two starts at
 * the same instant (ECR delivering one push twice), the one with the smaller execution ARN.
 * Total and the same from both sides, so exactly one of two overlapping executions proceeds.
 */
export function goesFirst(
  other: { executionArn: string; startDate: Date },
  self: { executionArn: string; startDate: Date },
): boolean {
  const difference = other.startDate.getTime() - self.startDate.getTime();
  if (difference !== 0) return difference < 0;
  return other.executionArn < self.executionArn;
}

/** The same commit, whatever the case each SHA was written in (the tags themselves stay as given). */
export function sameSha(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && a.toLowerCase() === b.toLowerCase();
}

/** A push-started deployment of what every service and scheduled-task target already runs. */
export function alreadyRuns(plan: Plan): boolean {
  const { gitsha } = plan.deployment;
  return (
    plan.services.every((service) => sameSha(service.previousSha, gitsha)) &&
    plan.scheduledTasks.every((rule) => rule.targets.every((target) => sameSha(target.previousSha, gitsha)))
  );
}

/**
 * Refuses a deployment that touches a service or rule another running execution deploys, unless
 * this one goes second to nothing (see goesFirst: executions that started later refuse in their
 * own Prepare). A push-started deployment of a SHA those executions are already deploying to all
 * of its services and rules is a duplicate: skipped, not refused, so a repeated ECR event raises
 * no alarm.
 */
export function decideOverlap(plan: Plan, self: ThisExecution, running: readonly RunningDeployment[]): OverlapDecision {
  const services = new Set(plan.services.map((s) => serviceKey(s.region, s.cluster, s.name)));
  const rules = new Set(plan.scheduledTasks.map((r) => ruleKey(r.region, r.rule)));
  const conflicts = running
    .filter((other) => other.executionArn !== self.executionArn && goesFirst(other, self))
    .map((other) => ({
      other,
      services: other.services.filter((key) => services.has(key)),
      rules: other.rules.filter((key) => rules.has(key)),
    }))
    .filter((conflict) => conflict.services.length + conflict.rules.length > 0);
  if (conflicts.length === 0) return { kind: 'proceed' };

  const { gitsha } = plan.deployment;
  if (self.source === 'ecr' && conflicts.every(({ other }) => sameSha(other.gitsha, gitsha))) {
    const coveredServices = new Set(conflicts.flatMap((c) => c.services));
    const coveredRules = new Set(conflicts.flatMap((c) => c.rules));
    if (coveredServices.size === services.size && coveredRules.size === rules.size) {
      const names = conflicts.map(({ other }) => executionName(other.executionArn)).join(', ');
      return { kind: 'skip', reason: `${gitsha} is already being deployed to these services by ${names}` };
    }
  }

  const [first] = conflicts;
  if (!first) return { kind: 'proceed' };
  const touched = [
    ...first.services.map((key) => `service ${key.split('|').slice(1).join('/')}`),
    ...first.rules.map((key) => `scheduled task ${key.split('|')[1]}`),
  ];
  const shown = touched.slice(0, 5).join(', ') + (touched.length > 5 ? ` and ${touched.length - 5} more` : '');
  const others = conflicts.length > 1 ? ` (and ${conflicts.length - 1} other running execution(s))` : '';
  throw new ConcurrentDeploymentError(
    `execution ${first.other.executionArn} is already deploying ${first.other.gitsha} to ${shown}${others}; ` +
      'nothing was changed. Wait for it to finish, then deploy again; or stop it (StopExecution), which restores ' +
      'every service and scheduled task it planned to the revision it ran before, and deploy again once that restore ' +
      `(${restoreNameOf(first.other.executionArn)}) has ended.`,
  );
}

/** The state machine of an execution: `…:execution:NAME:ID` → `…:stateMachine:NAME`. */
export function stateMachineArnOf(executionArn: string): string {
  const match = /^(arn:[^:]+:states:[^:]+:\d{12}):execution:([^:]+):[^:]+$/.exec(executionArn);
  if (!match) throw new Error(`not a Standard workflow execution ARN: ${executionArn}`);
  return `${match[1]}:stateMachine:${match[2]}`;
}

function executionName(executionArn: string): string {
  return executionArn.slice(executionArn.lastIndexOf(':') + 1);
}

/**
 * This execution and every other RUNNING execution of its state machine, with what each deploys
 * (from its input). Inputs that are not valid deployments are left out: their own Prepare refuses
 * them before they change anything.
 */
export async function runningDeployments(
  sfn: SFNClient,
  executionArn: string,
  defaultRegion: string,
): Promise<{ self: { executionArn: string; startDate: Date }; others: RunningDeployment[] }> {
  const stateMachineArn = stateMachineArnOf(executionArn);
  // This execution's own start comes from DescribeExecution, never from the listing: ListExecutions
  // is eventually consistent, and an execution missing from it has no start date to break a tie with.
  const [self, listed] = await Promise.all([ownStart(sfn, executionArn), listRunning(sfn, stateMachineArn)]);

  const queue = listed.filter((item) => item.executionArn && item.executionArn !== executionArn);
  const others: RunningDeployment[] = [];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const arn = item.executionArn as string;
      let input: string | undefined;
      let startDate = item.startDate;
      try {
        const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
        if (described.status !== 'RUNNING') continue;
        input = described.input;
        startDate = described.startDate ?? startDate;
      } catch (error) {
        if (error instanceof Error && error.name === 'ExecutionDoesNotExist') continue;
        throw readError(`describe execution ${arn}`, error);
      }
      const deployment = deploymentOf(arn, startDate, input, defaultRegion);
      if (deployment) others.push(deployment);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DESCRIBE_CONCURRENCY, queue.length) }, worker));
  return { self, others };
}

async function ownStart(sfn: SFNClient, executionArn: string): Promise<{ executionArn: string; startDate: Date }> {
  const context = `describe this execution ${executionArn}`;
  try {
    const { startDate } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (startDate) return { executionArn, startDate: new Date(startDate) };
  } catch (error) {
    throw readError(context, error);
  }
  throw new InvalidDeploymentError(`failed to ${context}: it has no start date`);
}

async function listRunning(sfn: SFNClient, stateMachineArn: string): Promise<ExecutionListItem[]> {
  const listed: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 100, nextToken }),
      );
      listed.push(...(page.executions ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    throw readError(`list the running executions of ${stateMachineArn}`, error);
  }
  return listed;
}

/** Throttling is retried by the workflow; anything else (AccessDenied…) stops the deployment before it starts. */
export function readError(context: string, error: unknown): Error {
  const wrapped = wrapAwsError(context, error);
  if (wrapped instanceof TransientAwsError) return wrapped;
  return new InvalidDeploymentError(wrapped.message, [wrapped.message], { cause: error });
}

function deploymentOf(
  executionArn: string,
  startDate: Date | undefined,
  input: string | undefined,
  defaultRegion: string,
): RunningDeployment | null {
  if (!startDate || input === undefined) return null;
  let execution: ExecutionInput;
  try {
    const parsed = JSON.parse(input) as Record<string, unknown>;
    // A restore (prepare/restore.ts) carries the gitsha and config of the deployment it puts back.
    execution = parseExecutionInput(
      'restoreOf' in parsed ? { gitsha: parsed.gitsha, config: parsed.config, source: 'console' } : parsed,
    );
  } catch {
    return null;
  }
  const { config } = execution;
  return {
    executionArn,
    startDate: new Date(startDate),
    gitsha: execution.gitsha,
    services: config.services.map((s) => serviceKey(s.region ?? config.region ?? defaultRegion, s.cluster, s.name)),
    rules: config.scheduledTasks.map((t) => ruleKey(t.region ?? config.region ?? defaultRegion, t.rule)),
  };
}
