import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { type Sandbox, startSandbox } from '../../sandbox';
import { clients, fastFleet, taskDefinition, waitFor } from './helpers';

// consistency.ecsSeconds is real time (not scaled): reads lag writes by exactly this long.
const LAG = 0.5;

describe('ECS eventual consistency (consistency.ecsSeconds)', () => {
  let sandbox: Sandbox;
  let ecs: ECSClient;
  beforeAll(async () => {
    sandbox = await startSandbox({
      port: 0,
      fleet: fastFleet({
        consistency: { ecsSeconds: LAG },
        services: [{ name: 'api', cluster: 'demo', desiredCount: 1, taskDefinition: taskDefinition('api', 'aaaaaaa') }],
      }),
    });
    ({ ecs } = clients(sandbox));
  });
  afterAll(() => sandbox.close());

  it('does not know a just-registered revision yet, then does', async () => {
    const registered = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('api', 'bbbbbbb')));
    const arn = registered.taskDefinition?.taskDefinitionArn ?? '';
    expect(arn).toMatch(/task-definition\/api:2$/);

    await expect(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).rejects.toMatchObject({
      name: 'ClientException',
      message: 'Unable to describe task definition.',
    });
    // The bare family still means the newest revision the read can see.
    const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'api' }));
    expect(latest.taskDefinition?.revision).toBe(1);
    await expect(
      ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'api', taskDefinition: arn })),
    ).rejects.toMatchObject({ name: 'ClientException', message: 'Invalid revision number. Number: 2' });

    await waitFor('the revision to be known', () =>
      ecs
        .send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))
        .then((a) => a.taskDefinition?.revision === 2),
    );
  });

  it('describes the service as it was right after UpdateService, then as updated', async () => {
    const arn = 'arn:aws:ecs:us-east-1:000000000000:task-definition/api:2';
    await waitFor('revision 2 to be known', () =>
      ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn })).then(() => true),
    );
    const updated = await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'api', taskDefinition: arn }));
    // The writer's own answer is already the new service.
    expect(updated.service?.taskDefinition).toBe(arn);

    const right = await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['api'] }));
    expect(right.services?.[0]?.taskDefinition).toMatch(/api:1$/);
    expect(right.services?.[0]?.deployments?.map((d) => d.taskDefinition)).toEqual([expect.stringMatching(/api:1$/)]);

    const later = await waitFor('the new deployment to show', async () => {
      const answer = await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['api'] }));
      return answer.services?.[0]?.taskDefinition === arn ? answer.services[0] : undefined;
    });
    expect(later.deployments?.[0]).toMatchObject({ status: 'PRIMARY', taskDefinition: arn });
  });
});
