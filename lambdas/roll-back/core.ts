import { type Service, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../shared/aws/clients';
import { describeServicesBatched, lookupKey } from '../shared/aws/describe-services';
import { clusterName } from '../shared/aws/ecs-names';
import { startedServiceDeployment } from '../shared/aws/service-deployments';
import { RollbackFailedError, TransientAwsError, wrapAwsError } from '../shared/contracts/errors';
import type { RollbackResult, RollbackStepInput } from '../shared/contracts/state';
import { reasonChars, shortReason } from '../shared/report/rollback-summary';
import { rollBackServiceDeployment } from './stop-deployment';

/** What putting one service back takes, from what DescribeServices reports now. */
export type RollbackAction =
  /** On the previous revision, one PRIMARY deployment, COMPLETED: nothing to do. */
  | 'settled'
  /**
   * The previous revision is PRIMARY and still rolling out while another deployment drains: ECS's
   * circuit breaker rolling back by itself. Forcing another deployment would only restart it.
   */
  | 'ecs-rolling-back'
  /** Anything else: UpdateService back to the exact previous revision, forced. */
  | 'update';

/**
 * The decision, from the service's deployments. A service whose PRIMARY is another revision (the
 * deploy's write landed) or whose other deployment is still PRIMARY is updated.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
 */
export function rollbackAction(current: Service, previous: string): RollbackAction {
  if (current.taskDefinition !== previous) return 'update';
  const deployments = current.deployments ?? [];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  if (!primary || primary.taskDefinition !== previous) return 'update';
  const others = deployments.filter((d) => d !== primary);
  if (others.length === 0) return primary.rolloutState === 'FAILED' ? 'update' : 'settled';
  return primary.rolloutState === 'IN_PROGRESS' && others.every((d) => d.status !== 'PRIMARY')
    ? 'ecs-rolling-back'
    : 'update';
}

/** How many times a write that lands after ours (Deploy Services' in-flight UpdateService) is undone. */
const MAX_WRITES = 3;

/**
 * Roll Back Service: put the service back on the exact revision that ran before the deployment,
 * as Prepare recorded it — not "revision − 1", which is wrong whenever revisions were registered
 * in between or the family's previous revision was never the running one.
 *
 * It never fails the Map: a service that cannot be put back is returned `restored: false` with
 * what it runs now and why, so every other service's rollback still runs (a failed iteration
 * would stop the Map, and the services not yet started would never be rolled back). Throttling
 * is still thrown (TransientAwsError) for the Task's retry.
 *
 * After its own UpdateService it reads the service again: a deploy write still in flight when
 * Deploy Services failed (the Lambda runs on after the Map stops) can land after ours. Only a
 * read that already lists our deployment can tell: DescribeServices is eventually consistent,
 * and a read that predates our write is no evidence of anything.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServices.html
 */
export async function rollBack(input: RollbackStepInput, clients: AwsClients): Promise<RollbackResult> {
  const { service } = input;
  const previous = service.previousTaskDefinition;
  const where = `service ${service.name} in cluster ${clusterName(service.cluster)}`;
  let current: Service | null = null;
  let ours: string | null = null;
  // The service deployment our last UpdateService started: a gated service's pauses at its hook.
  let started: string | undefined;
  let writes = 0;
  let confirmed = false;
  try {
    current = await describe(input, clients, where);
    // A blue/green, linear or canary deployment ECS is still running is rolled back by ECS itself
    // (./stop-deployment.ts); a finished one, or a rolling service, by UpdateService below.
    const byEcs = await rollBackServiceDeployment(service, current, clients, where);
    if (byEcs !== null) {
      return { name: service.name, taskDefinition: previous, rolledBack: byEcs !== 'ecs-rolling-back', restored: true };
    }
    for (let read = 0; ; read++) {
      if (read > 0) current = await describe(input, clients, where);
      if (!mustWrite(current, previous, writes > 0 ? (ours ?? 'unknown') : null)) {
        if (writes === 0 && !confirmed) {
          // "Already back" from a read may be a read from before the deploy's own UpdateService
          // (DescribeServices is eventually consistent). UpdateService to the previous revision,
          // not forced, is the consistent check: it changes nothing when the service is on it
          // ("By default, deployments aren't forced"), and rolls it back when it is not.
          // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html
          confirmed = true;
          const write = await update(input, clients, where, { force: false, before: current });
          if (write.id === null) {
            return { name: service.name, taskDefinition: previous, rolledBack: false, restored: true };
          }
          ({ id: ours, serviceDeploymentArn: started } = write);
          writes += 1;
          continue;
        }
        return {
          name: service.name,
          taskDefinition: previous,
          rolledBack: writes > 0,
          restored: true,
          ...(started && service.strategy && service.strategy !== 'ROLLING' && { serviceDeploymentArn: started }),
        };
      }
      if (writes === MAX_WRITES) {
        throw new RollbackFailedError(
          `failed to roll back ${where}: another deployment replaced ${previous} after ${MAX_WRITES} rollbacks to it`,
        );
      }
      ({ id: ours, serviceDeploymentArn: started } = await update(input, clients, where));
      writes += 1;
    }
  } catch (error) {
    if (error instanceof TransientAwsError) throw error;
    // The Map's results, one per service, land in the state together: their reasons share a budget.
    const reason = shortReason(
      error instanceof Error ? error.message : String(error),
      reasonChars(input.services ?? 1),
    );
    const runs = current?.taskDefinition ?? null;
    return { name: service.name, taskDefinition: runs, rolledBack: writes > 0, restored: false, reason };
  }
}

/**
 * Before our write (`ours` null): whatever rollbackAction says. After it (`ours`: the id of the
 * deployment we started): only when the read lists ours and another one has become PRIMARY since.
 */
export function mustWrite(current: Service, previous: string, ours: string | null): boolean {
  if (ours === null) return rollbackAction(current, previous) === 'update';
  const deployments = current.deployments ?? [];
  if (!deployments.some((d) => d.id === ours)) return false;
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  return primary !== undefined && primary.id !== ours && primary.taskDefinition !== previous;
}

/**
 * UpdateService back to the previous revision; returns the id of the deployment it started, and
 * the service deployment's ARN where ECS names one. Not forced (`force: false`), it may start
 * none: then a null id, when the PRIMARY deployment it answers is the one the read `before` already showed.
 */
async function update(
  input: RollbackStepInput,
  clients: AwsClients,
  where: string,
  { force, before }: { force: boolean; before?: Service } = { force: true },
): Promise<{ id: string | null; serviceDeploymentArn?: string }> {
  const { service } = input;
  try {
    const response = await clients.ecs(service.region).send(
      new UpdateServiceCommand({
        cluster: service.cluster,
        service: service.name,
        taskDefinition: service.previousTaskDefinition,
        forceNewDeployment: force,
      }),
    );
    const primary = response.service?.deployments?.find((d) => d.status === 'PRIMARY')?.id ?? null;
    if (!force && (primary === null || primary === primaryDeploymentId(before))) return { id: null };
    return { id: primary, serviceDeploymentArn: startedServiceDeployment(response.service) };
  } catch (error) {
    throw wrapAwsError(`roll back ${where} to ${service.previousTaskDefinition}`, error, RollbackFailedError);
  }
}

async function describe(input: RollbackStepInput, clients: AwsClients, where: string): Promise<Service> {
  const lookup = { region: input.service.region, cluster: input.service.cluster, service: input.service.name };
  try {
    const { found, failures } = await describeServicesBatched(clients.ecs, [lookup]);
    const service = found.get(lookupKey(lookup));
    if (!service) {
      const reason = failures.get(lookupKey(lookup))?.reason ?? 'MISSING';
      throw new RollbackFailedError(`failed to roll back ${where}: the service is ${reason}`);
    }
    return service;
  } catch (error) {
    if (error instanceof TransientAwsError || error instanceof RollbackFailedError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new RollbackFailedError(`failed to roll back ${where}: ${message}`, { cause: error });
  }
}

function primaryDeploymentId(service: Service | undefined): string | undefined {
  return service?.deployments?.find((d) => d.status === 'PRIMARY')?.id;
}
