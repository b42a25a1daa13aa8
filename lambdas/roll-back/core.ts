import { type Service, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../shared/clients';
import type { RollbackResult, RollbackStepInput } from '../shared/contracts';
import { describeServicesBatched, lookupKey } from '../shared/describe-services';
import { clusterName } from '../shared/ecs-names';
import { RollbackFailedError, TransientAwsError, wrapAwsError } from '../shared/errors';

/**
 * Roll Back Service: put the service back on the exact revision that ran before the deployment,
 * as Prepare recorded it — not "revision − 1", which is wrong whenever revisions were registered
 * in between or the family's previous revision was never the running one.
 */
export async function rollBack(input: RollbackStepInput, clients: AwsClients): Promise<RollbackResult> {
  const { service } = input;
  const previous = service.previousTaskDefinition;
  const where = `service ${service.name} in cluster ${clusterName(service.cluster)}`;

  const current = await describe(input, clients, where);
  if (!needsRollback(current, previous)) {
    return { name: service.name, taskDefinition: previous, rolledBack: false };
  }
  try {
    await clients.ecs(service.region).send(
      new UpdateServiceCommand({
        cluster: service.cluster,
        service: service.name,
        taskDefinition: previous,
        forceNewDeployment: true,
      }),
    );
  } catch (error) {
    throw wrapAwsError(`roll back ${where} to ${previous}`, error, RollbackFailedError);
  }
  return { name: service.name, taskDefinition: previous, rolledBack: true };
}

/**
 * Changed, or back on the previous revision while a deployment of another revision is still
 * active (ECS's circuit breaker rolling back by itself): a forced deployment settles it.
 */
export function needsRollback(current: Service, previous: string): boolean {
  return (
    current.taskDefinition !== previous ||
    (current.deployments ?? []).some((d) => d.status === 'ACTIVE' && d.taskDefinition !== previous)
  );
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
