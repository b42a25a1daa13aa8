import {
  ClusterNotFoundException,
  CreateClusterCommand,
  CreateServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  InvalidParameterException,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  ServiceNotFoundException,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { type Sandbox, startSandbox } from '../../sandbox';
import { clients, fastFleet, taskDefinition } from './helpers';

let sandbox: Sandbox;
let ecs: ReturnType<typeof clients>['ecs'];

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    fleet: fastFleet({
      services: [
        { name: 'api', cluster: 'demo', desiredCount: 2, taskDefinition: taskDefinition('api', 'aaaaaaa') },
        { name: 'batch', cluster: 'big', desiredCount: 150, taskDefinition: taskDefinition('batch', 'aaaaaaa') },
      ],
    }),
  });
  ({ ecs } = clients(sandbox));
});

afterAll(() => sandbox.close());

describe('task definitions', () => {
  it('keeps every field given and the tags, revision after revision', async () => {
    const input = {
      ...taskDefinition('keeper', 'bbbbbbb'),
      runtimePlatform: { cpuArchitecture: 'ARM64' as const, operatingSystemFamily: 'LINUX' as const },
      ephemeralStorage: { sizeInGiB: 50 },
      pidMode: 'task' as const,
      volumes: [{ name: 'scratch' }],
      tags: [{ key: 'team', value: 'platform' }],
    };
    await ecs.send(new RegisterTaskDefinitionCommand(input));
    const second = await ecs.send(new RegisterTaskDefinitionCommand(input));
    expect(second.taskDefinition?.taskDefinitionArn).toBe(
      'arn:aws:ecs:us-east-1:000000000000:task-definition/keeper:2',
    );
    const described = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'keeper', include: ['TAGS'] }),
    );
    expect(described.taskDefinition).toMatchObject({
      revision: 2,
      status: 'ACTIVE',
      runtimePlatform: input.runtimePlatform,
      ephemeralStorage: { sizeInGiB: 50 },
      pidMode: 'task',
      volumes: [{ name: 'scratch' }],
      cpu: '256',
    });
    expect(described.tags).toEqual([{ key: 'team', value: 'platform' }]);
    const withoutTags = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'keeper:1' }));
    expect(withoutTags.tags).toBeUndefined();
  });

  it('lists by family and status, sorted and paginated', async () => {
    for (let i = 0; i < 3; i += 1) await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('lister', `${i}`)));
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'lister:2' }));
    const active = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'lister', sort: 'DESC' }));
    expect(active.taskDefinitionArns?.map((arn) => arn.split('/')[1])).toEqual(['lister:3', 'lister:1']);
    const inactive = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'lister', status: 'INACTIVE' }));
    expect(inactive.taskDefinitionArns?.map((arn) => arn.split('/')[1])).toEqual(['lister:2']);
    const first = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'lister', maxResults: 1 }));
    const second = await ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: 'lister', maxResults: 1, nextToken: first.nextToken }),
    );
    expect([first.taskDefinitionArns, second.taskDefinitionArns, second.nextToken]).toEqual([
      ['arn:aws:ecs:us-east-1:000000000000:task-definition/lister:1'],
      ['arn:aws:ecs:us-east-1:000000000000:task-definition/lister:3'],
      undefined,
    ]);
  });

  it('answers an unknown task definition with ClientException', async () => {
    await expect(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nope:9' }))).rejects.toMatchObject({
      name: 'ClientException',
    });
  });
});

describe('services', () => {
  it('reports unknown services as MISSING failures', async () => {
    const answer = await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['api', 'ghost'] }));
    expect(answer.services?.map((s) => s.serviceName)).toEqual(['api']);
    expect(answer.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:000000000000:service/demo/ghost', reason: 'MISSING' },
    ]);
    expect(answer.services?.[0]?.deployments?.[0]).toMatchObject({
      status: 'PRIMARY',
      rolloutState: 'COMPLETED',
      runningCount: 2,
      desiredCount: 2,
    });
    expect(answer.services?.[0]?.createdAt).toBeInstanceOf(Date);
  });

  it('throws the typed exceptions ECS throws', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `s${i}`);
    await expect(ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: eleven }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(
      ecs.send(new DescribeServicesCommand({ cluster: 'nowhere', services: ['api'] })),
    ).rejects.toBeInstanceOf(ClusterNotFoundException);
    await expect(ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'ghost' }))).rejects.toBeInstanceOf(
      ServiceNotFoundException,
    );
  });

  it('keeps state per region', async () => {
    const west = clients(sandbox, 'us-west-2').ecs;
    await expect(west.send(new DescribeServicesCommand({ cluster: 'demo', services: ['api'] }))).rejects.toBeInstanceOf(
      ClusterNotFoundException,
    );
    await west.send(new CreateClusterCommand({ clusterName: 'west' }));
    const registered = await west.send(new RegisterTaskDefinitionCommand(taskDefinition('api', 'wwwwwww')));
    expect(registered.taskDefinition?.taskDefinitionArn).toBe(
      'arn:aws:ecs:us-west-2:000000000000:task-definition/api:1',
    );
    const created = await west.send(
      new CreateServiceCommand({ cluster: 'west', serviceName: 'api', taskDefinition: 'api', desiredCount: 1 }),
    );
    expect(created.service?.serviceArn).toBe('arn:aws:ecs:us-west-2:000000000000:service/west/api');
    await expect(ecs.send(new DescribeServicesCommand({ cluster: 'west', services: ['api'] }))).rejects.toBeInstanceOf(
      ClusterNotFoundException,
    );
  });
});

describe('tasks', () => {
  it('pages ListTasks by 100 and describes every task', async () => {
    const first = await ecs.send(new ListTasksCommand({ cluster: 'big', serviceName: 'batch' }));
    expect(first.taskArns).toHaveLength(100);
    const second = await ecs.send(
      new ListTasksCommand({ cluster: 'big', serviceName: 'batch', nextToken: first.nextToken }),
    );
    expect(second.taskArns).toHaveLength(50);
    expect(second.nextToken).toBeUndefined();
    const described = await ecs.send(new DescribeTasksCommand({ cluster: 'big', tasks: first.taskArns }));
    expect(described.tasks).toHaveLength(100);
    expect(new Set(described.tasks?.map((t) => t.lastStatus))).toEqual(new Set(['RUNNING']));
    expect(described.tasks?.[0]?.group).toBe('service:batch');
  });

  it('refuses DescribeTasks with no tasks, as ECS does', async () => {
    await expect(ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: [] }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
  });

  it('answers ListTasks for an unknown service with ServiceNotFoundException', async () => {
    await expect(ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'ghost' }))).rejects.toBeInstanceOf(
      ServiceNotFoundException,
    );
  });
});

describe('sts', () => {
  it('assumes a role into temporary credentials', async () => {
    const { sts } = clients(sandbox);
    const answer = await sts.send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111122223333:role/gehen-deployer', RoleSessionName: 'gehen' }),
    );
    expect(answer.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(answer.Credentials?.SessionToken).toBeTruthy();
    expect(answer.Credentials?.Expiration?.getTime()).toBeGreaterThan(Date.now() + 55 * 60_000);
    expect(answer.AssumedRoleUser?.Arn).toBe('arn:aws:sts::111122223333:assumed-role/gehen-deployer/gehen');
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe('000000000000');
    await expect(
      sts.send(new AssumeRoleCommand({ RoleArn: 'not-a-role', RoleSessionName: 'gehen' })),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });
});

describe('stats', () => {
  it('counts every call by service and operation, until reset', async () => {
    await fetch(`${sandbox.endpoint}/_sandbox/reset-stats`, { method: 'POST' });
    await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['api'] }));
    await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['api'] }));
    await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: [] })).catch(() => undefined);
    const stats = await (await fetch(`${sandbox.endpoint}/_sandbox/stats`)).json();
    expect(stats).toEqual({
      calls: { 'ecs:DescribeServices': 2, 'ecs:DescribeTasks': 1 },
      throttled: {},
      executions: {},
    });
    expect(sandbox.stats().calls['ecs:DescribeServices']).toBe(2);
  });
});
