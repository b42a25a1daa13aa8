import {
  arnMatches,
  checkStatements,
  type Decision,
  evaluate,
  type PolicyStatement,
  UnsupportedPolicyError,
} from '../../sandbox/iam/policy';

const SERVICE = 'arn:aws:ecs:us-east-1:000000000000:service/demo/api';
const SHORT_SERVICE = 'arn:aws:ecs:us-east-1:000000000000:service/api';
const ROLE = 'arn:aws:iam::000000000000:role/app-task';

const allow = (Action: string | string[], Resource: string | string[] = '*', extra: Partial<PolicyStatement> = {}) =>
  ({ Effect: 'Allow', Action, Resource, ...extra }) as PolicyStatement;
const deny = (Action: string | string[], Resource: string | string[] = '*') =>
  ({ Effect: 'Deny', Action, Resource }) as PolicyStatement;
const request = (action: string, resource: string, context: Record<string, string | string[]> = {}) => ({
  action,
  resource,
  context,
});

describe('evaluate', () => {
  test.each<[string, PolicyStatement[], ReturnType<typeof request>, Decision]>([
    ['no statement: implicit deny', [], request('ecs:UpdateService', SERVICE), 'implicit-deny'],
    ['exact action', [allow('ecs:UpdateService', SERVICE)], request('ecs:UpdateService', SERVICE), 'allowed'],
    [
      'another action',
      [allow('ecs:DescribeServices', SERVICE)],
      request('ecs:UpdateService', SERVICE),
      'implicit-deny',
    ],
    ['action case ignored', [allow('ECS:updateservice', SERVICE)], request('ecs:UpdateService', SERVICE), 'allowed'],
    ['action *', [allow('ecs:*', SERVICE)], request('ecs:UpdateService', SERVICE), 'allowed'],
    ['action prefix *', [allow('ecs:Describe*')], request('ecs:DescribeServices', '*'), 'allowed'],
    ['action prefix * elsewhere', [allow('ecs:Describe*')], request('ecs:UpdateService', '*'), 'implicit-deny'],
    ['action ?', [allow('ecs:?pdateService', SERVICE)], request('ecs:UpdateService', SERVICE), 'allowed'],
    ['another service', [allow('events:*')], request('ecs:UpdateService', SERVICE), 'implicit-deny'],
    [
      'Deny wins over Allow',
      [allow('ecs:*'), deny('ecs:UpdateService')],
      request('ecs:UpdateService', SERVICE),
      'explicit-deny',
    ],
    [
      'Deny first, still wins',
      [deny('ecs:Update*', SERVICE), allow('*')],
      request('ecs:UpdateService', SERVICE),
      'explicit-deny',
    ],
    [
      'Deny of another resource',
      [allow('ecs:*'), deny('ecs:*', 'arn:aws:ecs:*:*:service/prod/*')],
      request('ecs:UpdateService', SERVICE),
      'allowed',
    ],
    [
      'a Deny alone never allows',
      [deny('ecs:DescribeServices')],
      request('ecs:UpdateService', SERVICE),
      'implicit-deny',
    ],
    [
      'NotAction allows the others',
      [{ Effect: 'Allow', NotAction: 'ecs:Delete*', Resource: '*' }],
      request('ecs:UpdateService', SERVICE),
      'allowed',
    ],
    [
      'NotAction leaves its own out',
      [{ Effect: 'Allow', NotAction: ['ecs:Update*'], Resource: '*' }],
      request('ecs:UpdateService', SERVICE),
      'implicit-deny',
    ],
    [
      'Deny with NotAction',
      [allow('*'), { Effect: 'Deny', NotAction: 'ecs:Describe*', Resource: '*' }],
      request('ecs:UpdateService', SERVICE),
      'explicit-deny',
    ],
    [
      'NotResource',
      [{ Effect: 'Allow', Action: 'ecs:*', NotResource: 'arn:aws:ecs:*:*:service/prod/*' }],
      request('ecs:UpdateService', SERVICE),
      'allowed',
    ],
    [
      'NotResource excludes',
      [{ Effect: 'Allow', Action: 'ecs:*', NotResource: 'arn:aws:ecs:*:*:service/demo/*' }],
      request('ecs:UpdateService', SERVICE),
      'implicit-deny',
    ],
    [
      'no Resource: not an identity statement',
      [{ Effect: 'Allow', Action: 'ecs:*' }],
      request('ecs:UpdateService', SERVICE),
      'implicit-deny',
    ],
    [
      'resource list',
      [allow('ecs:UpdateService', ['arn:aws:ecs:*:*:service/x/*', SERVICE])],
      request('ecs:UpdateService', SERVICE),
      'allowed',
    ],
  ])('%s', (_, statements, req, decision) => {
    expect(evaluate(statements, req)).toBe(decision);
  });
});

describe('ARN globs', () => {
  test.each<[string, string, boolean]>([
    ['arn:aws:ecs:*:000000000000:service/*/*', SERVICE, true],
    // gehen's pattern: a short ARN has no cluster segment, so service/*/* misses it; service/* does not.
    ['arn:aws:ecs:*:000000000000:service/*/*', SHORT_SERVICE, false],
    ['arn:aws:ecs:*:000000000000:service/*', SHORT_SERVICE, true],
    ['arn:aws:ecs:*:000000000000:service/*', SERVICE, true],
    ['arn:aws:ecs:eu-west-1:000000000000:service/*', SERVICE, false],
    ['arn:aws:ecs:*:111111111111:service/*', SERVICE, false],
    ['arn:aws-cn:ecs:*:*:service/*', SERVICE, false],
    ['arn:*:ecs:*:*:service/*', SERVICE, true],
    // A wildcard stays within its ARN component: region * does not swallow the account.
    ['arn:aws:ecs:*:service/demo/api', SERVICE, false],
    ['arn:aws:ecs:us-east-?:000000000000:service/demo/api', SERVICE, true],
    ['arn:aws:ecs:us-east-1:000000000000:service/demo/API', SERVICE, false],
    [
      'arn:aws:states:us-east-1:000000000000:execution:gehen-deploy:*',
      'arn:aws:states:us-east-1:000000000000:execution:gehen-deploy:abc-1',
      true,
    ],
    [
      'arn:aws:states:us-east-1:000000000000:execution:gehen-deploy:*',
      'arn:aws:states:us-east-1:000000000000:execution:other:abc-1',
      false,
    ],
    [
      'arn:aws:ecs:*:000000000000:task-definition/*:*',
      'arn:aws:ecs:us-east-1:000000000000:task-definition/api:3',
      true,
    ],
    ['arn:aws:ecs:*:000000000000:task-definition/*:*', 'arn:aws:ecs:us-east-1:000000000000:task-definition/api', false],
    ['*', SERVICE, true],
  ])('%s vs %s: %s', (pattern, arn, matches) => {
    expect(arnMatches(pattern, arn)).toBe(matches);
  });
});

describe('conditions', () => {
  const passRole = (Condition: PolicyStatement['Condition']) => [
    allow('iam:PassRole', 'arn:aws:iam::*:role/*', { Condition }),
  ];
  const toService = (service?: string) =>
    request('iam:PassRole', ROLE, service === undefined ? {} : { 'iam:PassedToService': service });
  test.each<[string, PolicyStatement['Condition'], ReturnType<typeof request>, Decision]>([
    [
      'StringEquals matches',
      { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      toService('ecs-tasks.amazonaws.com'),
      'allowed',
    ],
    [
      'StringEquals: values OR',
      { StringEquals: { 'iam:PassedToService': ['ecs-tasks.amazonaws.com', 'events.amazonaws.com'] } },
      toService('events.amazonaws.com'),
      'allowed',
    ],
    [
      'StringEquals differs',
      { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      toService('events.amazonaws.com'),
      'implicit-deny',
    ],
    [
      'StringEquals is case-sensitive',
      { StringEquals: { 'iam:PassedToService': 'ECS-tasks.amazonaws.com' } },
      toService('ecs-tasks.amazonaws.com'),
      'implicit-deny',
    ],
    [
      'key names ignore case',
      { StringEquals: { 'IAM:passedToService': 'ecs-tasks.amazonaws.com' } },
      toService('ecs-tasks.amazonaws.com'),
      'allowed',
    ],
    [
      'StringEquals: key missing',
      { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      toService(),
      'implicit-deny',
    ],
    [
      'StringEqualsIfExists: key missing',
      { StringEqualsIfExists: { 'iam:PassedToService': 'x' } },
      toService(),
      'allowed',
    ],
    [
      'StringLike',
      { StringLike: { 'iam:PassedToService': '*.amazonaws.com' } },
      toService('events.amazonaws.com'),
      'allowed',
    ],
    [
      'StringNotEquals: values NOR',
      { StringNotEquals: { 'iam:PassedToService': ['a', 'events.amazonaws.com'] } },
      toService('events.amazonaws.com'),
      'implicit-deny',
    ],
    [
      'StringNotEquals: none equal',
      { StringNotEquals: { 'iam:PassedToService': ['a', 'b'] } },
      toService('events.amazonaws.com'),
      'allowed',
    ],
    [
      'StringNotEquals: key missing is true',
      { StringNotEquals: { 'iam:PassedToService': 'a' } },
      toService(),
      'allowed',
    ],
    [
      'operators AND',
      {
        StringEquals: { 'iam:PassedToService': 'events.amazonaws.com' },
        StringLike: { 'iam:PassedToService': 'ecs*' },
      },
      toService('events.amazonaws.com'),
      'implicit-deny',
    ],
    ['Null true: key absent', { Null: { 'iam:PassedToService': 'true' } }, toService(), 'allowed'],
    ['Null false: key present', { Null: { 'iam:PassedToService': 'false' } }, toService('x'), 'allowed'],
    ['Null false: key absent', { Null: { 'iam:PassedToService': 'false' } }, toService(), 'implicit-deny'],
  ])('%s', (_, condition, req, decision) => {
    expect(evaluate(passRole(condition), req)).toBe(decision);
  });

  test.each<[string, string, Decision]>([
    ['ArnLike on the cluster', 'arn:aws:ecs:*:000000000000:cluster/demo', 'allowed'],
    ['ArnLike on another cluster', 'arn:aws:ecs:*:000000000000:cluster/prod', 'implicit-deny'],
    ['ArnEquals takes wildcards too', 'arn:aws:ecs:us-east-1:000000000000:cluster/*', 'allowed'],
  ])('%s', (_, cluster, decision) => {
    const operator = _.startsWith('ArnEquals') ? 'ArnEquals' : 'ArnLike';
    const statements = [
      allow('ecs:DescribeServices', SERVICE, { Condition: { [operator]: { 'ecs:cluster': cluster } } }),
    ];
    const req = request('ecs:DescribeServices', SERVICE, {
      'ecs:cluster': 'arn:aws:ecs:us-east-1:000000000000:cluster/demo',
    });
    expect(evaluate(statements, req)).toBe(decision);
  });

  it('refuses an operator it does not evaluate rather than guess', () => {
    const statements = [allow('ecs:*', '*', { Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01' } } })];
    expect(() => checkStatements(statements, 'test')).toThrow(UnsupportedPolicyError);
    expect(() => checkStatements(statements, 'test')).toThrow(/DateLessThan/);
  });
});
