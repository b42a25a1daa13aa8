import { DescribeServicesCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { type Sandbox, startSandbox } from '../../sandbox';
import { fieldMatches } from '../../sandbox/api-faults';
import { clients, fastFleet, taskDefinition } from './helpers';

describe('fieldMatches', () => {
  test.each([
    ['api', 'api', true],
    ['arn:aws:ecs:us-east-1:000000000000:service/demo/api', 'api', true],
    ['arn:aws:ecs:us-east-1:000000000000:task-definition/api:1', '*:1', true],
    ['arn:aws:ecs:us-east-1:000000000000:task-definition/api:12', '*:1', false],
    ['api:3', 'api:?', true],
    ['web', 'api', false],
    [['a', 'api'], 'api', true],
    [undefined, '*', false],
    [5, 5, true],
  ])('%j against %j: %s', (actual, wanted, expected) => {
    expect(fieldMatches(actual, wanted)).toBe(expected);
  });
});

describe('apiFaults', () => {
  let sandbox: Sandbox;
  let sdk: ReturnType<typeof clients>;

  beforeAll(async () => {
    sandbox = await startSandbox({
      port: 0,
      fleet: fastFleet({
        services: [
          { name: 'api', cluster: 'demo', taskDefinition: taskDefinition('api', 'aaaaaaa') },
          { name: 'web', cluster: 'demo', taskDefinition: taskDefinition('web', 'aaaaaaa') },
        ],
        scheduledTasks: [
          {
            rule: 'nightly',
            scheduleExpression: 'rate(1 day)',
            targets: [{ id: 'report', cluster: 'demo', taskDefinition: taskDefinition('report', 'aaaaaaa') }],
          },
        ],
        apiFaults: [
          {
            operation: 'UpdateService',
            match: { service: 'api', taskDefinition: '*:1' },
            error: 'AccessDeniedException',
          },
          { operation: 'RegisterTaskDefinition', match: { family: 'web' }, error: 'ServerException', count: 1 },
          { operation: 'PutTargets', match: { Rule: 'nightly' }, error: 'ConcurrentModificationException', count: 2 },
          { operation: 'AssumeRole', match: { RoleArn: '*:role/locked' }, error: 'AccessDenied', message: 'no' },
        ],
      }),
    });
    sdk = clients(sandbox);
  });

  afterAll(() => sandbox.close());

  it('fails every matching call when count is 0, with the error type the SDK raises', async () => {
    const update = () =>
      sdk.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'api', taskDefinition: 'api:1' }));
    await expect(update()).rejects.toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    await expect(update()).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('leaves calls that do not match every field alone', async () => {
    await sdk.ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'web', taskDefinition: 'web:1' }));
    const registered = await sdk.ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('api', 'bbbbbbb')));
    await sdk.ecs.send(
      new UpdateServiceCommand({
        cluster: 'demo',
        service: 'api',
        taskDefinition: registered.taskDefinition?.taskDefinitionArn,
      }),
    );
    const described = await sdk.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['api'] }));
    expect(described.services?.[0]?.taskDefinition).toMatch(/task-definition\/api:2$/);
  });

  it('fails only the first count matching calls, server errors with a 5xx status', async () => {
    const register = () => sdk.ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('web', 'bbbbbbb')));
    await expect(register()).rejects.toMatchObject({ name: 'ServerException', $metadata: { httpStatusCode: 500 } });
    await expect(register()).resolves.toMatchObject({ taskDefinition: { revision: 2 } });

    const put = () =>
      sdk.events.send(
        new PutTargetsCommand({
          Rule: 'nightly',
          Targets: [{ Id: 'x', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:x' }],
        }),
      );
    await expect(put()).rejects.toMatchObject({ name: 'ConcurrentModificationException' });
    await expect(put()).rejects.toMatchObject({ name: 'ConcurrentModificationException' });
    await expect(put()).resolves.toMatchObject({ FailedEntryCount: 0 });
  });

  it('fails STS calls too, in the query protocol', async () => {
    const assume = (role: string) =>
      sdk.sts.send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::000000000000:role/${role}`, RoleSessionName: 'gehen' }),
      );
    await expect(assume('locked')).rejects.toMatchObject({ name: 'AccessDenied', message: 'no' });
    await expect(assume('open')).resolves.toMatchObject({ Credentials: expect.anything() });
  });
});
