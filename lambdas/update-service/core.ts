import { UpdateServiceCommand, type UpdateServiceCommandOutput } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../shared/clients';
import type { ServiceDeployment, UpdateServiceInput } from '../shared/contracts';
import { clusterName } from '../shared/ecs-names';
import { wrapAwsError } from '../shared/errors';

/**
 * Update Service: start a deployment of the registered revision (for `redeploy`, the running one
 * again). forceNewDeployment makes ECS replace the tasks even when the revision did not change.
 * `none` changes nothing.
 */
export async function updateService(input: UpdateServiceInput, clients: AwsClients): Promise<ServiceDeployment> {
  const { service, deployment, registration } = input;
  if (deployment.updateStrategy === 'none') {
    return {
      name: service.name,
      taskDefinition: service.previousTaskDefinition,
      updated: false,
    };
  }
  let response: UpdateServiceCommandOutput;
  try {
    response = await clients.ecs(service.region).send(
      new UpdateServiceCommand({
        cluster: service.cluster,
        service: service.name,
        taskDefinition: registration.taskDefinition,
        forceNewDeployment: true,
      }),
    );
  } catch (error) {
    throw wrapAwsError(`update service ${service.name} in cluster ${clusterName(service.cluster)}`, error);
  }
  return {
    name: service.name,
    taskDefinition: response.service?.taskDefinition ?? registration.taskDefinition,
    updated: true,
  };
}
