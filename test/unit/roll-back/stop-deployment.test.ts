import {
  ContinueServiceDeploymentCommand,
  type Deployment,
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ECSClient,
  type ServiceDeployment as EcsServiceDeployment,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { rollBack } from '../../../lambdas/roll-back/core';
import type { DeploymentStrategy } from '../../../lambdas/shared/aws/service-deployments';
import {
  awsError,
  CLUSTER_ARN,
  deployment,
  plannedService,
  taskDefinitionArn,
  testClients,
} from '../shared/deploy-fixtures';

/** Roll Back Service on services ECS deploys blue/green, linear or canary: its three paths. */

const ecs = mockClient(ECSClient);
beforeEach(() => ecs.reset());

const PREVIOUS = taskDefinitionArn('api', 7);
const FAILED = taskDefinitionArn('api', 13);
const ARN = 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/api/r9i43YFjvgF';

function input(strategy: DeploymentStrategy = 'CANARY') {
  return { service: plannedService({ previousTaskDefinition: PREVIOUS, strategy }), deployment: deployment() };
}

function serve(taskDefinition: string, sd: Partial<EcsServiceDeployment>, deployments?: Deployment[]) {
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceName: 'api',
        clusterArn: CLUSTER_ARN,
        status: 'ACTIVE',
        taskDefinition,
        currentServiceDeployment: ARN,
        deployments: deployments ?? [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition }],
      },
    ],
  });
  ecs.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: [{ serviceDeploymentArn: ARN, ...sd }] });
  ecs.on(StopServiceDeploymentCommand).resolves({ serviceDeploymentArn: ARN });
  ecs.on(ContinueServiceDeploymentCommand).resolves({ serviceDeploymentArn: ARN });
  ecs.on(UpdateServiceCommand).resolves({});
}

describe('rollBack, a blue/green, linear or canary service', () => {
  it('acts on the deployment ECS lists as running, not on a lagging DescribeServices read', async () => {
    // DescribeServices still answers the previous, finished deployment (its read lags UpdateService).
    const FINISHED = 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/api/previous';
    serve(PREVIOUS, { status: 'IN_PROGRESS', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' });
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: 'api',
          clusterArn: CLUSTER_ARN,
          status: 'ACTIVE',
          taskDefinition: PREVIOUS,
          currentServiceDeployment: FINISHED,
          deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: PREVIOUS, rolloutState: 'COMPLETED' }],
        },
      ],
    });
    ecs
      .on(ListServiceDeploymentsCommand)
      .resolves({ serviceDeployments: [{ serviceDeploymentArn: ARN, status: 'IN_PROGRESS', createdAt: new Date() }] });

    await rollBack(input(), testClients());

    expect(ecs).toHaveReceivedCommandWith(StopServiceDeploymentCommand, {
      serviceDeploymentArn: ARN,
      stopType: 'ROLLBACK',
    });
    // No new deployment: on a service with a PAUSE hook it would pause there, and nobody continues it.
    expect(ecs).toHaveReceivedCommandTimes(UpdateServiceCommand, 0);
  });

  it('stops a deployment still in progress with ROLLBACK, and starts no other', async () => {
    serve(FAILED, { status: 'IN_PROGRESS', lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT' });

    await expect(rollBack(input(), testClients())).resolves.toEqual({
      name: 'api',
      taskDefinition: PREVIOUS,
      rolledBack: true,
      restored: true,
    });
    expect(ecs).toHaveReceivedCommandWith(StopServiceDeploymentCommand, {
      serviceDeploymentArn: ARN,
      stopType: 'ROLLBACK',
    });
    expect(ecs).toHaveReceivedCommandTimes(UpdateServiceCommand, 0);
  });

  it('rolls back at the PAUSE hook a deployment waits on', async () => {
    serve(FAILED, {
      status: 'IN_PROGRESS',
      lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
      lifecycleHookDetails: [{ hookId: 'ecs-pause-e7tK9G', targetType: 'PAUSE', status: 'AWAITING_ACTION' }],
    });

    await expect(rollBack(input('BLUE_GREEN'), testClients())).resolves.toMatchObject({
      rolledBack: true,
      restored: true,
    });
    expect(ecs).toHaveReceivedCommandWith(ContinueServiceDeploymentCommand, {
      serviceDeploymentArn: ARN,
      hookId: 'ecs-pause-e7tK9G',
      action: 'ROLLBACK',
    });
    expect(ecs).toHaveReceivedCommandTimes(StopServiceDeploymentCommand, 0);
    expect(ecs).toHaveReceivedCommandTimes(UpdateServiceCommand, 0);
  });

  it('leaves a deployment ECS is rolling back to ECS', async () => {
    serve(FAILED, { status: 'ROLLBACK_IN_PROGRESS' });

    await expect(rollBack(input('LINEAR'), testClients())).resolves.toMatchObject({
      rolledBack: false,
      restored: true,
    });
    expect(ecs).toHaveReceivedCommandTimes(StopServiceDeploymentCommand, 0);
    expect(ecs).toHaveReceivedCommandTimes(UpdateServiceCommand, 0);
  });

  it('puts a finished deployment back with UpdateService to the exact previous revision', async () => {
    serve(FAILED, { status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' });

    await expect(rollBack(input(), testClients())).resolves.toMatchObject({ rolledBack: true, restored: true });
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, { taskDefinition: PREVIOUS, forceNewDeployment: true });
    expect(ecs).toHaveReceivedCommandTimes(StopServiceDeploymentCommand, 0);
  });

  it("records the deployment its UpdateService started: a gated service's pauses at the hook, for Release Rollback At Hooks", async () => {
    const ROLLBACK = `${ARN.slice(0, ARN.lastIndexOf('/'))}/rollback1`;
    serve(FAILED, { status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' });
    ecs.on(UpdateServiceCommand).resolves({
      service: {
        currentServiceDeployment: ROLLBACK,
        deployments: [{ id: 'ecs-svc/2', status: 'PRIMARY', taskDefinition: PREVIOUS }],
      },
    });

    await expect(rollBack(input('BLUE_GREEN'), testClients())).resolves.toMatchObject({
      restored: true,
      serviceDeploymentArn: ROLLBACK,
    });
  });

  it('confirms that a deployment ECS rolled back ended on the exact previous revision', async () => {
    serve(PREVIOUS, { status: 'ROLLBACK_SUCCESSFUL' }, [
      { id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: PREVIOUS, rolloutState: 'COMPLETED' },
    ]);

    await expect(rollBack(input(), testClients())).resolves.toMatchObject({ rolledBack: false, restored: true });
    // Unforced: a no-op on the previous revision, a rollback if the read predates a write.
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      taskDefinition: PREVIOUS,
      forceNewDeployment: false,
    });
  });

  it('falls back to UpdateService when the deployment finished between the read and the stop', async () => {
    serve(FAILED, { status: 'IN_PROGRESS' });
    ecs.on(StopServiceDeploymentCommand).rejects(awsError('ConflictException', 'the deployment is not in progress'));

    await expect(rollBack(input(), testClients())).resolves.toMatchObject({ rolledBack: true, restored: true });
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, { taskDefinition: PREVIOUS, forceNewDeployment: true });
  });

  it('rolls a rolling service back with UpdateService, never a stop', async () => {
    serve(FAILED, { status: 'IN_PROGRESS' });

    await expect(rollBack(input('ROLLING'), testClients())).resolves.toMatchObject({ rolledBack: true });
    expect(ecs).toHaveReceivedCommandTimes(DescribeServiceDeploymentsCommand, 0);
    expect(ecs).toHaveReceivedCommandTimes(StopServiceDeploymentCommand, 0);
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, { taskDefinition: PREVIOUS, forceNewDeployment: true });
  });
});
