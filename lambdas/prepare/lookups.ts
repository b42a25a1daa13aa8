import { DescribeTaskDefinitionCommand, type TaskDefinition } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../shared/aws/clients';
import { shortTaskDefinition } from '../shared/aws/ecs-names';
import { isTransientAwsError, TransientAwsError, wrapAwsError } from '../shared/contracts/errors';
import { mapWithConcurrency } from '../shared/map-with-concurrency';

/**
 * Prepare collects every problem before it fails, each naming its gehen.yml path: each check
 * returns its problems with what it found, and core.ts joins them in order.
 */
export type Problems = readonly string[];

// Prepare may describe hundreds of task definitions: a few at a time keeps it clear of throttling.
const DESCRIBE_CONCURRENCY = 8;

/**
 * ECS's task-definition reads share one token bucket per account and Region (50 burst, 20 a
 * second: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/request-throttling.html), so a
 * plan of hundreds of revisions outruns it. A throttled describe waits and tries again (full
 * jitter, 250 ms doubling to 4 s) for up to this long, well inside Prepare's 90 s timeout, instead
 * of failing Prepare, whose retry would start every describe over and throttle again.
 */
const THROTTLED_DESCRIBE_BUDGET_MS = 45_000;

/**
 * An AWS error as one of Prepare's problems. Throttling and transient faults are not problems
 * with the deployment: they are thrown as TransientAwsError, for the workflow to retry.
 */
export function awsProblem(error: unknown, context?: string): string {
  if (error instanceof TransientAwsError) throw error;
  if (context === undefined) {
    if (isTransientAwsError(error)) throw wrapAwsError('prepare the deployment', error);
    return error instanceof Error ? error.message : String(error);
  }
  const wrapped = wrapAwsError(context, error);
  if (wrapped instanceof TransientAwsError) throw wrapped;
  return wrapped.message;
}

export interface TaskDefinitions {
  get(region: string, taskDefinition: string): TaskDefinition | undefined;
  /** One for each revision that could not be described. */
  problems: Problems;
}

/**
 * DescribeTaskDefinition once per distinct revision, whatever number of services and targets run
 * it. A revision that cannot be described is a problem for each that runs it.
 */
export async function describeTaskDefinitions(
  clients: AwsClients,
  wanted: ReadonlyArray<{ region: string; taskDefinition: string }>,
): Promise<TaskDefinitions> {
  const key = (region: string, taskDefinition: string) => `${region}|${taskDefinition}`;
  const distinct = new Map(wanted.map((w) => [key(w.region, w.taskDefinition), w]));
  const found = new Map<string, TaskDefinition>();
  const deadline = Date.now() + THROTTLED_DESCRIBE_BUDGET_MS;
  const outcomes = await mapWithConcurrency([...distinct.entries()], DESCRIBE_CONCURRENCY, async ([id, wanted]) => {
    const { region, taskDefinition } = wanted;
    try {
      const response = await retryThrottled(deadline, () =>
        clients.ecs(region).send(new DescribeTaskDefinitionCommand({ taskDefinition })),
      );
      if (response.taskDefinition) found.set(id, response.taskDefinition);
      else return `task definition ${shortTaskDefinition(taskDefinition)} (${region}) was not described`;
    } catch (error) {
      return awsProblem(error, `describe task definition ${shortTaskDefinition(taskDefinition)} (${region})`);
    }
    return null;
  });
  const problems = outcomes.filter((problem): problem is string => problem !== null);
  return { get: (region, taskDefinition) => found.get(key(region, taskDefinition)), problems };
}

/** `call`, tried again after a transient error (throttling, a timeout) until `deadline` (epoch ms). */
export async function retryThrottled<T>(
  deadline: number,
  call: () => Promise<T>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  for (let ceiling = 250; ; ceiling = Math.min(4000, ceiling * 2)) {
    try {
      return await call();
    } catch (error) {
      const wait = Math.random() * ceiling;
      if (!isTransientAwsError(error) || Date.now() + wait > deadline) throw error;
      await sleep(wait);
    }
  }
}
