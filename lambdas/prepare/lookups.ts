import { DescribeTaskDefinitionCommand, type TaskDefinition } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../shared/clients';
import { shortTaskDefinition } from '../shared/ecs-names';
import { isTransientAwsError, TransientAwsError, wrapAwsError } from '../shared/errors';

/** Prepare collects every problem before it fails, each naming its gehen.yml path. */
export type Problems = string[];

// Prepare may describe hundreds of task definitions: a few at a time keeps it clear of throttling.
const DESCRIBE_CONCURRENCY = 8;

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
}

/**
 * DescribeTaskDefinition once per distinct revision, whatever number of services and targets run
 * it. A revision that cannot be described is a problem for each that runs it.
 */
export async function describeTaskDefinitions(
  clients: AwsClients,
  wanted: ReadonlyArray<{ region: string; taskDefinition: string }>,
  problems: Problems,
): Promise<TaskDefinitions> {
  const key = (region: string, taskDefinition: string) => `${region}|${taskDefinition}`;
  const distinct = new Map(wanted.map((w) => [key(w.region, w.taskDefinition), w]));
  const found = new Map<string, TaskDefinition>();
  const queue = [...distinct.entries()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [id, { region, taskDefinition }] = next;
      try {
        const response = await clients.ecs(region).send(new DescribeTaskDefinitionCommand({ taskDefinition }));
        if (response.taskDefinition) found.set(id, response.taskDefinition);
        else problems.push(`task definition ${shortTaskDefinition(taskDefinition)} (${region}) was not described`);
      } catch (error) {
        problems.push(awsProblem(error, `describe task definition ${shortTaskDefinition(taskDefinition)} (${region})`));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DESCRIBE_CONCURRENCY, queue.length) }, worker));
  return { get: (region, taskDefinition) => found.get(key(region, taskDefinition)) };
}
