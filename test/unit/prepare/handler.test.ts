import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { InvalidDeploymentError } from '../../../lambdas/shared/contracts/errors';
import { ACCOUNT, deployConfig, describedTaskDefinition, NEW_SHA, taskDefinitionArn } from '../shared/deploy-fixtures';

const ecs = mockClient(ECSClient);
afterAll(() => {
  ecs.restore();
});

// The handler reads its environment once, when it is loaded: as Lambda sets it from the template.
let handler: typeof import('../../../lambdas/prepare/handler')['handler'];
beforeAll(async () => {
  ({ handler } = await import('../../../lambdas/prepare/handler'));
});

const context = { functionName: 'prepare', awsRequestId: 'req-1' } as Context;

function event(gitsha: string) {
  return {
    execution: {
      gitsha,
      config: deployConfig(),
    },
    executionArn: `arn:aws:states:us-east-1:${ACCOUNT}:execution:gehen-deploy:run-1`,
  };
}

describe('prepare handler', () => {
  it('plans through middy, in the region the function runs in', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: 'api',
          serviceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/api`,
          clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod`,
          status: 'ACTIVE',
          taskDefinition: taskDefinitionArn('api', 5, 'us-east-1'),
        },
      ],
    });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: describedTaskDefinition('api', 5) });

    const plan = await handler(event(NEW_SHA), context);

    expect(plan.services).toEqual([
      expect.objectContaining({
        name: 'api',
        region: process.env.AWS_REGION,
        previousTaskDefinition: taskDefinitionArn('api', 5, 'us-east-1'),
      }),
    ]);
  });

  it('fails with the error name the state machine matches', async () => {
    await expect(handler(event('not-a-sha'), context)).rejects.toMatchObject({
      name: 'InvalidDeploymentError',
      constructor: InvalidDeploymentError,
    });
  });
});
