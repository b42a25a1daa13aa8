import { DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { type Sandbox, startSandbox } from '../../sandbox';
import type { ApiCall } from '../../sandbox/server';
import { awsThrottling, bucketOf } from '../../sandbox/throttling';
import { clients, fastFleet, taskDefinition } from './helpers';

const call = (operation: string, service: ApiCall['service'] = 'ecs'): ApiCall => ({
  service,
  operation,
  input: {},
  region: 'us-east-1',
  accessKeyId: 'AKIDSANDBOX',
});

describe('awsThrottling', () => {
  it('lets RegisterTaskDefinition burst 20, then refills one a second', () => {
    let now = 0;
    const guard = awsThrottling(() => now);
    for (let i = 0; i < 20; i += 1) guard(call('RegisterTaskDefinition'));
    expect(() => guard(call('RegisterTaskDefinition'))).toThrow('Rate exceeded');
    now += 999;
    expect(() => guard(call('RegisterTaskDefinition'))).toThrow('Rate exceeded');
    now += 1;
    guard(call('RegisterTaskDefinition'));
    expect(() => guard(call('RegisterTaskDefinition'))).toThrow('Rate exceeded');
  });

  it('shares one bucket between the actions of an ECS category, per Region', () => {
    let now = 0;
    const guard = awsThrottling(() => now);
    for (let i = 0; i < 25; i += 1) guard(call('DescribeTaskDefinition'));
    for (let i = 0; i < 25; i += 1) guard(call('ListTaskDefinitions'));
    expect(() => guard(call('ListTaskDefinitionFamilies'))).toThrow('Rate exceeded');
    // Another category, and the same category in another Region, have buckets of their own.
    guard(call('DescribeServices'));
    guard({ ...call('DescribeTaskDefinition'), region: 'eu-west-1' });
    now += 1000;
    for (let i = 0; i < 20; i += 1) guard(call('DescribeTaskDefinition'));
    expect(() => guard(call('DescribeTaskDefinition'))).toThrow('Rate exceeded');
  });

  test.each([
    ['ecs', 'UpdateService', 'us-east-1', 50, 5],
    ['ecs', 'DescribeServices', 'us-east-1', 100, 20],
    ['ecs', 'ListTasks', 'us-east-1', 100, 20],
    ['ecs', 'StopTask', 'us-east-1', 100, 40],
    ['events', 'PutTargets', 'us-east-1', 50, 50],
    ['events', 'PutEvents', 'us-east-1', 10_000, 10_000],
    ['events', 'PutEvents', 'ap-south-1', 400, 400],
  ] as const)('%s:%s in %s bursts %d and sustains %d a second', (service, operation, region, burst, rate) => {
    expect(bucketOf(service, operation, region)).toMatchObject({ burst, rate });
  });

  it('leaves STS and Step Functions alone', () => {
    const guard = awsThrottling(() => 0);
    for (let i = 0; i < 500; i += 1) guard(call('AssumeRole', 'sts'));
  });
});

describe('throttling: aws in the sandbox', () => {
  let sandbox: Sandbox;
  let ideal: Sandbox;
  beforeAll(async () => {
    [sandbox, ideal] = await Promise.all([
      startSandbox({ port: 0, fleet: fastFleet({ throttling: 'aws' }) }),
      startSandbox({ port: 0, fleet: fastFleet({}) }),
    ]);
  });
  afterAll(() => Promise.all([sandbox.close(), ideal.close()]));

  it('answers the 21st RegisterTaskDefinition in a burst ThrottlingException "Rate exceeded" and counts it', async () => {
    const { ecs } = clients(sandbox);
    const answers = await Promise.allSettled(
      Array.from({ length: 25 }, () => ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('burst', 'aaaaaaa')))),
    );
    const refused = answers.filter((a) => a.status === 'rejected');
    // A second of refill may land one more while the 25 calls are in flight.
    expect(refused.length).toBeGreaterThanOrEqual(4);
    expect(refused.length).toBeLessThanOrEqual(5);
    for (const answer of refused) {
      expect(answer.reason).toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded' });
    }
    expect(sandbox.stats().throttled['ecs:RegisterTaskDefinition']).toBe(refused.length);
    // Reads have their own bucket: still answered.
    await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'burst' }));
    const { events } = clients(sandbox);
    await events.send(new ListRulesCommand({}));
  });

  it('throttles nothing with throttling off', async () => {
    const { ecs } = clients(ideal);
    await Promise.all(
      Array.from({ length: 25 }, () => ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('burst', 'aaaaaaa')))),
    );
    expect(ideal.stats().throttled).toEqual({});
  });
});
