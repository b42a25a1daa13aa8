import type { AwsClients } from '../shared/aws/clients';
import { clusterName } from '../shared/aws/ecs-names';
import { registerRevision } from '../shared/aws/task-definition';
import type { RegistrationResult, ServiceStepInput } from '../shared/contracts/state';

/**
 * Register Task Definition: a new revision of the service's task definition that runs the
 * deployment's SHA. `redeploy` and `none` register nothing and keep the running revision.
 */
export async function registerTaskDefinition(
  input: ServiceStepInput,
  clients: AwsClients,
): Promise<RegistrationResult> {
  const { service, deployment } = input;
  if (deployment.updateStrategy === 'redeploy' || deployment.updateStrategy === 'none') {
    return { taskDefinition: service.previousTaskDefinition, registered: false };
  }
  return registerRevision(clients.ecs(service.region), {
    taskDefinition: service.previousTaskDefinition,
    base: deployment.updateStrategy,
    containers: service.containers,
    gitsha: deployment.gitsha,
    owner: `service ${service.name} in cluster ${clusterName(service.cluster)}`,
  });
}
