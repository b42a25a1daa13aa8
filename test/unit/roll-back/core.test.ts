import { type Deployment, DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { rollBack } from '../../../lambdas/roll-back/core';
import { TransientAwsError } from '../../../lambdas/shared/contracts/errors';
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
      restored: true,
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
    [
      'on the previous revision alone, COMPLETED',
      [{ status: 'PRIMARY', taskDefinition: PREVIOUS, rolloutState: 'COMPLETED' }],
      false,
    ],
    [
      // ECS's circuit breaker rolling back by itself: a forced deployment would only restart it.
      'on the previous revision, IN_PROGRESS, while the failed one drains',
      [
        { status: 'PRIMARY', taskDefinition: PREVIOUS, rolloutState: 'IN_PROGRESS' },
        { status: 'ACTIVE', taskDefinition: FAILED, rolloutState: 'FAILED' },
      ],
      false,
    ],
    [
      'on the previous revision with a FAILED rollout of it',
      [{ status: 'PRIMARY', taskDefinition: PREVIOUS, rolloutState: 'FAILED' }],
      true,
    ],
    [
      'on the previous revision while another revision is PRIMARY',
      [
        { status: 'PRIMARY', taskDefinition: FAILED },
        { status: 'ACTIVE', taskDefinition: PREVIOUS },
      ],
      true,
    ],
  ])('%s: rolls back %s', async (_, deployments, expected) => {
    describes(PREVIOUS, deployments);
    ecs.on(UpdateServiceCommand).resolves({});

    await expect(rollBack(input, testClients())).resolves.toMatchObject({ rolledBack: expected, restored: true });
    // Settled or not, one UpdateService: forced to roll back, or unforced to confirm a read that
    // may predate the deploy's own write (it starts no deployment when the service is on PREVIOUS).
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(1);
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      taskDefinition: PREVIOUS,
      forceNewDeployment: expected,
    });
  });

  it('rolls back a service whose read still shows the previous revision from before the deploy wrote', async () => {
    // DescribeServices lags UpdateService: the read shows the service as it was before the deploy.
    describes(PREVIOUS, [
      { id: 'ecs-svc/before', status: 'PRIMARY', taskDefinition: PREVIOUS, rolloutState: 'COMPLETED' },
    ]);
    // UpdateService answers consistently: the deploy's revision was PRIMARY, so ours starts.
    ecs.on(UpdateServiceCommand).resolves({
      service: { deployments: [{ id: 'ecs-svc/ours', status: 'PRIMARY', taskDefinition: PREVIOUS }] },
    });

    await expect(rollBack(input, testClients())).resolves.toMatchObject({ rolledBack: true, restored: true });
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      taskDefinition: PREVIOUS,
      forceNewDeployment: false,
    });
  });

  it('undoes a deploy write that lands after its own rollback', async () => {
    const ours: Deployment = {
      id: 'ecs-svc/ours',
      status: 'PRIMARY',
      taskDefinition: PREVIOUS,
      rolloutState: 'IN_PROGRESS',
    };
    const late: Deployment = {
      id: 'ecs-svc/late',
      status: 'PRIMARY',
      taskDefinition: FAILED,
      rolloutState: 'IN_PROGRESS',
    };
    const service = (taskDefinition: string, deployments: Deployment[]) => ({
      services: [{ serviceName: 'api', clusterArn: CLUSTER_ARN, status: 'ACTIVE', taskDefinition, deployments }],
    });
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(service(FAILED, [{ id: 'ecs-svc/deploy', status: 'PRIMARY', taskDefinition: FAILED }]))
      // The deploy's in-flight UpdateService landed after ours: ours is ACTIVE, the failed one PRIMARY.
      .resolvesOnce(service(FAILED, [late, { ...ours, status: 'ACTIVE' }]))
      .resolves(
        service(PREVIOUS, [
          { ...ours, id: 'ecs-svc/again' },
          { ...late, status: 'ACTIVE' },
        ]),
      );
    ecs
      .on(UpdateServiceCommand)
      .resolvesOnce({ service: { deployments: [ours] } })
      .resolves({ service: { deployments: [{ ...ours, id: 'ecs-svc/again' }] } });

    await expect(rollBack(input, testClients())).resolves.toMatchObject({ restored: true, taskDefinition: PREVIOUS });
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(2);
  });

  it('does not write again on a read that predates its own write', async () => {
    describes(FAILED);
    ecs.on(UpdateServiceCommand).resolves({ service: { deployments: [{ id: 'ecs-svc/ours', status: 'PRIMARY' }] } });

    await expect(rollBack(input, testClients())).resolves.toMatchObject({ restored: true });
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(1);
  });

  it('reports a service that is gone as not restored, without failing the Map', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: 'api', reason: 'MISSING' }] });

    await expect(rollBack(input, testClients())).resolves.toEqual({
      name: 'api',
      taskDefinition: null,
      rolledBack: false,
      restored: false,
      reason: 'failed to roll back service api in cluster prod: the service is MISSING',
    });
  });

  test.each([
    // One service: a reason keeps 300 characters. 300: their results share 12,288, at least 40 each.
    [undefined, 300],
    [1, 300],
    [100, 122],
    [300, 40],
  ])(
    'cuts the reason of one of %s services to %i characters, so all their results fit the state',
    async (services, chars) => {
      describes(FAILED);
      ecs.on(UpdateServiceCommand).rejects(awsError('AccessDeniedException', 'x'.repeat(1000)));

      const result = await rollBack({ ...input, services }, testClients());

      expect(result.reason).toHaveLength(chars);
      expect(result.reason).toMatch(/^failed to roll back service api .*…$/);
    },
  );

  it('throws throttling from UpdateService for the Task to retry', async () => {
    describes(FAILED);
    ecs.on(UpdateServiceCommand).rejects(awsError('ThrottlingException', 'slow down'));

    await expect(rollBack(input, testClients())).rejects.toBeInstanceOf(TransientAwsError);
  });

  it('reports an UpdateService it is refused as not restored, naming what the service runs now', async () => {
    describes(FAILED);
    ecs.on(UpdateServiceCommand).rejects(awsError('AccessDeniedException', 'denied'));

    await expect(rollBack(input, testClients())).resolves.toEqual({
      name: 'api',
      taskDefinition: FAILED,
      rolledBack: false,
      restored: false,
      reason: `failed to roll back service api in cluster prod to ${PREVIOUS}: AccessDeniedException: denied`,
    });
  });

  test.each([
    ['ThrottlingException', 'throws', TransientAwsError],
    ['AccessDeniedException', 'returns', null],
  ])('on a %s from DescribeServices %s', async (name, _, type) => {
    ecs.on(DescribeServicesCommand).rejects(awsError(name));

    const outcome = await rollBack(input, testClients()).catch((e: unknown) => e);
    if (type) expect(outcome).toBeInstanceOf(type);
    else expect(outcome).toMatchObject({ restored: false, taskDefinition: null });
    expect(ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
  });
});
