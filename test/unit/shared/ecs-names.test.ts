import { clusterName, parseServiceArn, serviceName, taskDefinitionFamily } from '../../../lambdas/shared/aws/ecs-names';

describe('parseServiceArn', () => {
  test.each([
    [
      'arn:aws:ecs:us-east-1:123456789012:service/prod/api',
      { region: 'us-east-1', account: '123456789012', cluster: 'prod', name: 'api' },
    ],
    // Services created before 2021 and never migrated keep the short format, which names no cluster.
    [
      'arn:aws:ecs:us-east-1:123456789012:service/api',
      { region: 'us-east-1', account: '123456789012', cluster: null, name: 'api' },
    ],
    [
      'arn:aws-cn:ecs:cn-north-1:123456789012:service/legacy_worker',
      { region: 'cn-north-1', account: '123456789012', cluster: null, name: 'legacy_worker' },
    ],
    ['api', null],
    ['arn:aws:ecs:us-east-1:123456789012:service/a/b/c', null],
    ['arn:aws:ecs:us-east-1:123456789012:task-definition/api:1', null],
  ])('%s', (arn, parts) => {
    expect(parseServiceArn(arn)).toEqual(parts);
  });
});

describe('serviceName', () => {
  test.each([
    ['arn:aws:ecs:eu-west-1:123456789012:service/prod/api', 'api'],
    ['arn:aws:ecs:eu-west-1:123456789012:service/api', 'api'],
    ['api', 'api'],
  ])('%s → %s', (service, name) => {
    expect(serviceName(service)).toBe(name);
  });
});

describe('the other names', () => {
  test.each([
    ['arn:aws:ecs:eu-west-1:123456789012:task-definition/report:7', 'report'],
    ['report:7', 'report'],
    ['report', 'report'],
  ])('taskDefinitionFamily(%s) is %s', (taskDefinition, family) => {
    expect(taskDefinitionFamily(taskDefinition)).toBe(family);
  });

  test('clusterName takes the name from an ARN', () => {
    expect(clusterName('arn:aws:ecs:eu-west-1:123456789012:cluster/prod')).toBe('prod');
  });
});
