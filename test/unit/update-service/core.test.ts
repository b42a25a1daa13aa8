import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { UpdateStrategy } from '../../../lambdas/shared/config/deploy-config';
import { DeploymentFailedError, TransientAwsError } from '../../../lambdas/shared/contracts/errors';
import { updateService } from '../../../lambdas/update-service/core';
import {
  awsError,
  CLUSTER_ARN,
  deployment,
  plannedService,
  taskDefinitionArn,
  testClients,
} from '../shared/deploy-fixtures';

const ecs = mockClient(ECSClient);
beforeEach(() => ecs.reset());

function input(updateStrategy: UpdateStrategy, taskDefinition = taskDefinitionArn('api', 13)) {
  return {
    service: plannedService(),
    deployment: deployment({ updateStrategy }),
    registration: { taskDefinition, registered: taskDefinition !== taskDefinitionArn('api', 12) },
  };
}

describe('updateService', () => {
  test.each<[UpdateStrategy, string]>([
    ['current', taskDefinitionArn('api', 13)],
    ['latest', taskDefinitionArn('api', 13)],
    ['redeploy', taskDefinitionArn('api', 12)],
  ])('%s deploys %s with forceNewDeployment', async (strategy, taskDefinition) => {
    ecs.on(UpdateServiceCommand).resolves({ service: { taskDefinition } });

    await expect(updateService(input(strategy, taskDefinition), testClients())).resolves.toEqual({
      name: 'api',
      taskDefinition,
      updated: true,
    });
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      cluster: CLUSTER_ARN,
      service: 'api',
      taskDefinition,
      forceNewDeployment: true,
    });
  });

  it('records the service deployment UpdateService started, for the rounds and a rollback', async () => {
    const serviceDeploymentArn = 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/api/r9i43YFjvgF';
    ecs.on(UpdateServiceCommand).resolves({
      service: { taskDefinition: taskDefinitionArn('api', 13), currentServiceDeployment: serviceDeploymentArn },
    });

    await expect(updateService(input('current'), testClients())).resolves.toEqual({
      name: 'api',
      taskDefinition: taskDefinitionArn('api', 13),
      updated: true,
      serviceDeploymentArn,
    });
  });

  it('changes nothing for updateStrategy none', async () => {
    await expect(updateService(input('none', taskDefinitionArn('api', 12)), testClients())).resolves.toEqual({
      name: 'api',
      taskDefinition: taskDefinitionArn('api', 12),
      updated: false,
    });
    expect(ecs.calls()).toHaveLength(0);
  });

  test.each([
    ['ThrottlingException', TransientAwsError],
    ['ServiceNotActiveException', DeploymentFailedError],
  ])('wraps a %s with the service and cluster', async (name, type) => {
    ecs.on(UpdateServiceCommand).rejects(awsError(name, 'nope'));

    const error = await updateService(input('current'), testClients()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toBe(`failed to update service api in cluster prod: ${name}: nope`);
  });

  // ECS reads lag writes: a revision registered a moment ago can be unknown to UpdateService.
  test.each<[string, string, boolean, typeof TransientAwsError | typeof DeploymentFailedError]>([
    ['ClientException', 'Invalid revision number. Number: 13', true, TransientAwsError],
    ['ClientException', 'TaskDefinition not found.', true, TransientAwsError],
    ['ClientException', 'Unable to describe task definition.', true, TransientAwsError],
    // The running revision (redeploy, or nothing to change) was not just registered: no lag to wait out.
    ['ClientException', 'TaskDefinition not found.', false, DeploymentFailedError],
    ['ClientException', 'The service cannot be updated: it is not ACTIVE.', true, DeploymentFailedError],
    ['InvalidParameterException', 'Invalid revision number. Number: 13', true, DeploymentFailedError],
  ])('%s "%s" (registered: %s) is a %p', async (name, message, registered, type) => {
    ecs.on(UpdateServiceCommand).rejects(awsError(name, message));
    const taskDefinition = registered ? taskDefinitionArn('api', 13) : taskDefinitionArn('api', 12);

    const error = await updateService(input('current', taskDefinition), testClients()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toContain(message);
  });
});
