import { type Deployment, DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { rollBack } from '../../../lambdas/roll-back/core';
import { RollbackFailedError, TransientAwsError } from '../../../lambdas/shared/errors';
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

// Prepare recorded revision 7: revisions 8..12 were registered by other means since, so
// "revision − 1" of the failed revision 13 is not what ran before.
const PREVIOUS = taskDefinitionArn('api', 7);
const FAILED = taskDefinitionArn('api', 13);
const input = { service: plannedService({ previousTaskDefinition: PREVIOUS }), deployment: deployment() };

function describes(taskDefinition: string, deployments: Deployment[] = [{ status: 'PRIMARY', taskDefinition }]) {
  ecs.on(DescribeServicesCommand).resolves({
    services: [{ serviceName: 'api', clusterArn: CLUSTER_ARN, status: 'ACTIVE', taskDefinition, deployments }],
  });
}

describe('rollBack', () => {
  it('puts the service back on the exact recorded revision, not revision − 1', async () => {
    describes(FAILED);
    ecs.on(UpdateServiceCommand).resolves({});

    await expect(rollBack(input, testClients())).resolves.toEqual({
      name: 'api',
      taskDefinition: PREVIOUS,
      rolledBack: true,
    });
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      cluster: CLUSTER_ARN,
      service: 'api',
      taskDefinition: PREVIOUS,
      forceNewDeployment: true,
    });
    expect(ecs).not.toHaveReceivedCommandWith(UpdateServiceCommand, { taskDefinition: taskDefinitionArn('api', 12) });
  });

  test.each<[string, Deployment[], boolean]>([
    ['on the previous revision alone', [{ status: 'PRIMARY', taskDefinition: PREVIOUS }], false],
    [
      'on the previous revision while the failed one is still active',
      [
        { status: 'PRIMARY', taskDefinition: PREVIOUS },
        { status: 'ACTIVE', taskDefinition: FAILED },
      ],
      true,
    ],
    [
      'on the previous revision with an inactive old deployment',
      [
        { status: 'PRIMARY', taskDefinition: PREVIOUS },
        { status: 'INACTIVE', taskDefinition: FAILED },
      ],
      false,
    ],
  ])('%s: rolls back %s', async (_, deployments, expected) => {
    describes(PREVIOUS, deployments);
    ecs.on(UpdateServiceCommand).resolves({});

    await expect(rollBack(input, testClients())).resolves.toMatchObject({ rolledBack: expected });
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(expected ? 1 : 0);
  });

  it('fails with RollbackFailedError when the service is gone', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: 'api', reason: 'MISSING' }] });

    await expect(rollBack(input, testClients())).rejects.toThrow(
      new RollbackFailedError('failed to roll back service api in cluster prod: the service is MISSING'),
    );
  });

  test.each([
    ['ThrottlingException', TransientAwsError],
    ['AccessDeniedException', RollbackFailedError],
  ])('turns a %s from UpdateService into the matching error', async (name, type) => {
    describes(FAILED);
    ecs.on(UpdateServiceCommand).rejects(awsError(name, 'denied'));

    const error = await rollBack(input, testClients()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toBe(
      `failed to roll back service api in cluster prod to ${PREVIOUS}: ${name}: denied`,
    );
  });

  test.each([
    ['ThrottlingException', TransientAwsError],
    ['AccessDeniedException', RollbackFailedError],
  ])('turns a %s from DescribeServices into the matching error', async (name, type) => {
    ecs.on(DescribeServicesCommand).rejects(awsError(name));

    await expect(rollBack(input, testClients())).rejects.toBeInstanceOf(type);
    expect(ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
  });
});
