import { STACK_NAME } from '../../lib/synth-names';
import { SandboxAwsError } from '../../sandbox/aws-error';
import { parseFleet } from '../../sandbox/fleet';
import { sandboxAssembly } from '../../sandbox/gehen-sandbox';
import { authorizationsFor } from '../../sandbox/iam/authorizations';
import { iamGuard } from '../../sandbox/iam/iam-guard';
import { functionAccessKey, lambdaPrincipals } from '../../sandbox/iam/template-roles';
import type { ApiCall, ApiGuard } from '../../sandbox/server';
import { handleSts } from '../../sandbox/sts';

/**
 * The IAM guard against the real synthesized template: each Lambda step's key maps to its role's
 * policies, and calls are allowed or refused as IAM would.
 */
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const STATE_MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:gehen-deploy`;
const FOREIGN_ROLE = 'arn:aws:iam::111111111111:role/GehenDeploy';

const { template } = sandboxAssembly({});
const LOCK_TABLE =
  Object.keys(template.Resources).find((id) => template.Resources[id]?.Type === 'AWS::DynamoDB::Table') ?? '';
const fleet = parseFleet({
  services: [
    {
      name: 'api',
      cluster: 'demo',
      taskDefinition: { family: 'api', containerDefinitions: [{ name: 'api', image: 'api:1' }] },
    },
    {
      name: 'legacy',
      cluster: 'demo',
      shortArn: true,
      taskDefinition: { family: 'legacy', containerDefinitions: [{ name: 'legacy', image: 'legacy:1' }] },
    },
  ],
  roles: [{ arn: FOREIGN_ROLE, policy: [{ Effect: 'Allow', Action: 'ecs:DescribeServices', Resource: '*' }] }],
});
const guard: ApiGuard = iamGuard({
  template,
  stackName: STACK_NAME,
  region: REGION,
  stateMachineArn: STATE_MACHINE,
  fleet,
});

/** The access key the sandbox gives the step whose function's logical id starts with Deployer<step>Function. */
function stepKey(step: string): string {
  const logicalId = Object.keys(template.Resources).find((id) => id.startsWith(`Deployer${step}Function`));
  if (!logicalId) throw new Error(`no ${step} function in the template`);
  return functionAccessKey(`${STACK_NAME}-${logicalId}`);
}

function call(
  accessKeyId: string | undefined,
  service: ApiCall['service'],
  operation: string,
  input: Record<string, unknown>,
): ApiCall {
  return { service, operation, input, region: REGION, accessKeyId };
}

/** The error type and message a call is refused with, or 'allowed'. */
function outcome(apiCall: ApiCall): string {
  try {
    guard(apiCall);
    return 'allowed';
  } catch (error) {
    if (error instanceof SandboxAwsError) return `${error.type}: ${error.message}`;
    throw error;
  }
}

describe('the template roles', () => {
  it('gives every Lambda function of the template its own key and its role', () => {
    const principals = [
      ...lambdaPrincipals({ template, stackName: STACK_NAME, region: REGION, stateMachineArn: STATE_MACHINE }).values(),
    ];
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(principals).toHaveLength(functions.length);
    expect(new Set(principals.map((p) => p.roleArn)).size).toBe(functions.length);
    for (const principal of principals) {
      expect(principal.principalArn).toMatch(
        /^arn:aws:sts::000000000000:assumed-role\/Deployer\w+Role\w+\/Gehen-Deployer\w+$/,
      );
      expect(principal.statements?.length).toBeGreaterThan(0);
    }
  });
});

describe('the IAM guard on the real policies', () => {
  const service = (name: string) => ({
    cluster: 'demo',
    service: name,
    taskDefinition: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${name}:2`,
  });

  test.each<[string, string, ApiCall['service'], string, Record<string, unknown>, RegExp | 'allowed']>([
    ['Update Service updates a service', 'UpdateService', 'ecs', 'UpdateService', service('api'), 'allowed'],
    [
      'Update Service may not read services',
      'UpdateService',
      'ecs',
      'DescribeServices',
      { cluster: 'demo', services: ['api'] },
      /^AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role\/DeployerUpdateServiceRole\w+\/Gehen-DeployerUpdateServiceFunction\w+ is not authorized to perform: ecs:DescribeServices on resource: arn:aws:ecs:us-east-1:000000000000:service\/demo\/api because no identity-based policy allows the ecs:DescribeServices action$/,
    ],
    ['Probe reads services', 'Probe', 'ecs', 'DescribeServices', { cluster: 'demo', services: ['api'] }, 'allowed'],
    [
      'Probe may not update one',
      'Probe',
      'ecs',
      'UpdateService',
      service('api'),
      /is not authorized to perform: ecs:UpdateService on resource: arn:aws:ecs:us-east-1:000000000000:service\/demo\/api because/,
    ],
    [
      'Register Task Definition passes a task role to ECS tasks',
      'RegisterTaskDefinition',
      'ecs',
      'RegisterTaskDefinition',
      { family: 'api', taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/api-task`, tags: [{ key: 'team', value: 'a' }] },
      'allowed',
    ],
    [
      'Register Task Definition may not pass another account’s role',
      'RegisterTaskDefinition',
      'ecs',
      'RegisterTaskDefinition',
      { family: 'api', executionRoleArn: 'arn:aws:iam::222222222222:role/exec' },
      /perform: iam:PassRole on resource: arn:aws:iam::222222222222:role\/exec because/,
    ],
    [
      'Update Scheduled Task puts targets with their role',
      'UpdateScheduledTask',
      'events',
      'PutTargets',
      { Rule: 'nightly', Targets: [{ Id: 'a', Arn: 'x', RoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsEventsRole` }] },
      'allowed',
    ],
    [
      'Check Drain lists tasks and describes them',
      'CheckDrain',
      'ecs',
      'DescribeTasks',
      { cluster: 'demo', tasks: ['abc'] },
      'allowed',
    ],
    [
      'Acquire Lock takes the deployment lock in a transaction',
      'AcquireLock',
      'dynamodb',
      'TransactWriteItems',
      { TransactItems: [{ Put: { TableName: LOCK_TABLE, Item: {} } }, { Put: { TableName: LOCK_TABLE, Item: {} } }] },
      'allowed',
    ],
    [
      'Prepare no longer takes the lock (Acquire Lock does)',
      'Prepare',
      'dynamodb',
      'TransactWriteItems',
      { TransactItems: [{ Put: { TableName: LOCK_TABLE, Item: {} } }] },
      /is not authorized to perform: dynamodb:PutItem/,
    ],
    [
      'Prepare may not write another table',
      'Prepare',
      'dynamodb',
      'PutItem',
      { TableName: 'other', Item: {} },
      /dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table\/other because/,
    ],
    [
      'Prepare no longer lists the running executions (the lock refuses overlaps)',
      'Prepare',
      'states',
      'ListExecutions',
      { stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:gehen-deploy` },
      /states:ListExecutions/,
    ],
    [
      'Prepare Restore reads an execution of its own state machine (the stopped one)',
      'PrepareRestore',
      'states',
      'DescribeExecution',
      { executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:gehen-deploy:x` },
      'allowed',
    ],
    ['Release Lock reads a lock record', 'ReleaseLock', 'dynamodb', 'GetItem', { TableName: LOCK_TABLE }, 'allowed'],
    ['Release Lock deletes lock items', 'ReleaseLock', 'dynamodb', 'DeleteItem', { TableName: LOCK_TABLE }, 'allowed'],
    [
      'Release Lock may not take a lock',
      'ReleaseLock',
      'dynamodb',
      'TransactWriteItems',
      { TransactItems: [{ Put: { TableName: LOCK_TABLE, Item: {} } }] },
      /is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table\/DeployerDeploymentLockTable\w+ because/,
    ],
    [
      'Notify puts events on the default bus',
      'Notify',
      'events',
      'PutEvents',
      { Entries: [{ Source: 'gehen', DetailType: 'x', Detail: '{}' }] },
      'allowed',
    ],
    [
      'Report calls nothing',
      'Report',
      'ecs',
      'DescribeServices',
      { cluster: 'demo', services: ['api'] },
      /ecs:DescribeServices/,
    ],
    [
      'AssumeRole without gehen:assumeRoleArns',
      'Probe',
      'sts',
      'AssumeRole',
      { RoleArn: FOREIGN_ROLE, RoleSessionName: 's' },
      /^AccessDenied: .* is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role\/GehenDeploy because/,
    ],
  ])('%s', (_, step, service, operation, input, expected) => {
    const result = outcome(call(stepKey(step), service, operation, input));
    if (expected === 'allowed') expect(result).toBe('allowed');
    else expect(result).toMatch(expected);
  });

  it('leaves the CLI and tests (any other key, or none) unchecked', () => {
    expect(outcome(call('sandbox', 'ecs', 'DeleteService', { cluster: 'demo', service: 'api' }))).toBe('allowed');
    expect(outcome(call(undefined, 'ecs', 'DeleteService', { cluster: 'demo', service: 'api' }))).toBe('allowed');
  });

  it('checks calls under an assumed role against the fleet role’s policy, naming the session', () => {
    const xml = handleSts(
      'AssumeRole',
      new URLSearchParams({ RoleArn: FOREIGN_ROLE, RoleSessionName: 'gehen-probe-x' }),
    );
    const key = /<AccessKeyId>(\w+)<\/AccessKeyId>/.exec(xml)?.[1] ?? '';
    expect(outcome(call(key, 'ecs', 'DescribeServices', { cluster: 'demo', services: ['api'] }))).toBe('allowed');
    expect(outcome(call(key, 'ecs', 'UpdateService', service('api')))).toBe(
      'AccessDeniedException: User: arn:aws:sts::111111111111:assumed-role/GehenDeploy/gehen-probe-x is not authorized to perform: ecs:UpdateService on resource: arn:aws:ecs:us-east-1:000000000000:service/demo/api because no identity-based policy allows the ecs:UpdateService action',
    );
  });

  it('allows calls under an assumed role whose policy the fleet does not declare', () => {
    const xml = handleSts(
      'AssumeRole',
      new URLSearchParams({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/Other`, RoleSessionName: 'ss' }),
    );
    const key = /<AccessKeyId>(\w+)<\/AccessKeyId>/.exec(xml)?.[1] ?? '';
    expect(outcome(call(key, 'ecs', 'DeleteService', { cluster: 'demo', service: 'api' }))).toBe('allowed');
  });

  it('authorizes a short-ARN service on its own ARN, service/<name>', () => {
    const [request] = authorizationsFor(call('k', 'ecs', 'UpdateService', service('legacy')), {
      shortArn: (cluster, name) => cluster === 'demo' && name === 'legacy',
    });
    expect(request?.resource).toBe(`arn:aws:ecs:${REGION}:${ACCOUNT}:service/legacy`);
  });

  it.each([
    ['ListServiceDeployments', { cluster: 'demo', service: 'api' }, 'service/demo/api'],
    ['DescribeServiceDeployments', { serviceDeploymentArns: ['SD'] }, 'service-deployment/demo/api/abc'],
    ['StopServiceDeployment', { serviceDeploymentArn: 'SD' }, 'service-deployment/demo/api/abc'],
    ['ContinueServiceDeployment', { serviceDeploymentArn: 'SD', hookId: 'h' }, 'service-deployment/demo/api/abc'],
    ['DescribeServiceRevisions', { serviceRevisionArns: ['SR'] }, 'service-revision/demo/api/123'],
  ])('authorizes ecs:%s on its resource type', (operation, input, resource) => {
    const arn = (suffix: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:${suffix}`;
    const resolved = JSON.parse(
      JSON.stringify(input)
        .replace('"SD"', JSON.stringify(arn('service-deployment/demo/api/abc')))
        .replace('"SR"', JSON.stringify(arn('service-revision/demo/api/123'))),
    );
    const [request] = authorizationsFor(call('k', 'ecs', operation, resolved), { shortArn: () => false });
    expect(request).toMatchObject({ action: `ecs:${operation}`, resource: arn(resource) });
  });

  // gehen grants UpdateService and DescribeServices on service/*/*, which a short ARN (service/<name>)
  // never matches: on a pre-2021 service every step that touches it is denied.
  it('lets Update Service update a service with a short ARN (gehen grants service/*, not service/*/*)', () => {
    expect(outcome(call(stepKey('UpdateService'), 'ecs', 'UpdateService', service('legacy')))).toBe('allowed');
  });
});
