import { UpdateServiceCommand, type UpdateServiceCommandOutput } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../shared/aws/clients';
import { clusterName } from '../shared/aws/ecs-names';
import { startedServiceDeployment } from '../shared/aws/service-deployments';
import { TransientAwsError, wrapAwsError } from '../shared/contracts/errors';
import type { ServiceDeployment, UpdateServiceInput } from '../shared/contracts/state';

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
    const context = `update service ${service.name} in cluster ${clusterName(service.cluster)}`;
    if (registration.registered && revisionNotYetVisible(error)) {
      // Retried by the workflow's TransientAwsError Retry (6 attempts, backoff 2 s × 2 up to 30 s,
      // full jitter: about a minute and a half at most), then it fails the deployment as any error.
      throw new TransientAwsError(
        `failed to ${context}: ${registration.taskDefinition} is not visible to ECS yet (just registered): ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
    throw wrapAwsError(context, error);
  }
  // The deployment this update started: what the rounds, the gate and a rollback read and act on.
  const serviceDeploymentArn = startedServiceDeployment(response.service);
  return {
    name: service.name,
    taskDefinition: response.service?.taskDefinition ?? registration.taskDefinition,
    updated: true,
    ...(serviceDeploymentArn && { serviceDeploymentArn }),
  };
}

/**
 * ECS reads lag its writes: UpdateService right after RegisterTaskDefinition can refuse the new
 * revision as unknown (aws/amazon-ecs-agent#1354: "Invalid revision number";
 * hashicorp/terraform-provider-aws PR #45553: "TaskDefinition not found"). Only for a revision
 * this deployment just registered is that lag rather than a mistake.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html (ClientException)
 */
const NOT_YET_VISIBLE = [
  /invalid revision number/i,
  /task ?definition .*not found/i,
  /unable to describe task ?definition/i,
];

export function revisionNotYetVisible(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'ClientException' &&
    NOT_YET_VISIBLE.some((pattern) => pattern.test(error.message))
  );
}
