import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { prepare } from '../../../lambdas/prepare/core';
import type { AwsClients } from '../../../lambdas/shared/aws/clients';
import {
  type Allowlists,
  allowlistsFromEnv,
  clusterAllowed,
  globMatches,
  NO_ALLOWLISTS,
  repositoryAllowed,
} from '../../../lambdas/shared/config/allowlists';
import { InvalidDeploymentError } from '../../../lambdas/shared/contracts/errors';
import {
  ACCOUNT,
  deployConfig,
  describedTaskDefinition,
  NEW_SHA,
  serviceConfig,
  taskDefinitionArn,
  testClients,
} from '../shared/deploy-fixtures';

const ecs = mockClient(ECSClient);
const events = mockClient(EventBridgeClient);
beforeEach(() => {
  ecs.reset();
  events.reset();
  ecs.on(DescribeServicesCommand).callsFake(({ cluster, services }: { cluster: string; services: string[] }) => ({
    services: services.map((name) => ({
      serviceName: name,
      serviceArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/${cluster}/${name}`,
      clusterArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/${cluster}`,
      status: 'ACTIVE',
      taskDefinition: taskDefinitionArn(name, 1),
    })),
  }));
  ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: describedTaskDefinition('api', 1) });
  events.on(ListTargetsByRuleCommand).resolves({
    Targets: [
      {
        Id: 'job',
        Arn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/batch`,
        EcsParameters: { TaskDefinitionArn: taskDefinitionArn('api', 1) },
      },
    ],
  });
});

describe('globMatches', () => {
  test.each<[string, string, boolean]>([
    ['staging-*', 'staging-eu', true],
    ['staging-*', 'prod', false],
    ['prod', 'prod', true],
    ['prod', 'prod2', false],
    ['app-?', 'app-1', true],
    ['app-?', 'app-10', false],
    ['a.b', 'axb', false],
  ])('%s matches %s: %s', (pattern, value, expected) => {
    expect(globMatches(pattern, value)).toBe(expected);
  });
});

describe('clusterAllowed', () => {
  const arn = `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/prod`;
  test.each<[string[], string, boolean]>([
    [['prod'], arn, true],
    [['prod'], 'prod', true],
    [['staging-*'], arn, false],
    [[`arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/*`], arn, true],
    [[`arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/*`], arn, false],
    // An ARN pattern says which account and region: a bare name cannot be held to it.
    [[`arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/*`], 'prod', false],
  ])('%j allows %s: %s', (patterns, cluster, expected) => {
    expect(clusterAllowed(patterns, cluster)).toBe(expected);
  });
});

describe('repositoryAllowed', () => {
  const ecr = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`;
  test.each<[string[], string, boolean]>([
    [['api'], `${ecr}/api`, true],
    [['team/*'], `${ecr}/team/api`, true],
    [['team/*'], `${ecr}/other/api`, false],
    [[`${ecr}/api`], `${ecr}/api`, true],
    [[`${ecr}/api`], `evil.example.com/api`, false],
    [['*.dkr.ecr.*.amazonaws.com/*'], `${ecr}/api`, true],
    [['nginx'], 'nginx', true],
  ])('%j allows %s: %s', (patterns, repository, expected) => {
    expect(repositoryAllowed(patterns, repository)).toBe(expected);
  });
});

it('reads the allowlists Prepare is given in its environment', () => {
  expect(allowlistsFromEnv({ GEHEN_ALLOWED_CLUSTERS: 'staging-*, qa', GEHEN_ALLOWED_ROLE_ARNS: '' })).toEqual({
    clusters: ['staging-*', 'qa'],
    repositories: null,
    roleArns: null,
  });
});

async function problemsOf(allowlists: Allowlists, config = deployConfig()): Promise<readonly string[]> {
  const clientsFor = jest.fn((_role: string | null): AwsClients => testClients());
  const run = prepare({ execution: { gitsha: NEW_SHA, config }, executionArn: 'arn' }, clientsFor, {
    defaultRegion: 'eu-west-1',
    allowlists,
  });
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  if (error === null) return [];
  expect(error).toBeInstanceOf(InvalidDeploymentError);
  return (error as InvalidDeploymentError).problems;
}

describe('prepare with allowlists', () => {
  it('plans a deployment inside them', async () => {
    const allow = { clusters: ['prod', 'batch'], repositories: ['api'], roleArns: null };
    const config = deployConfig({ scheduledTasks: [{ rule: 'nightly', region: null, containers: null }] });
    expect(await problemsOf(allow, config)).toEqual([]);
  });

  it('refuses a service and a rule target in a cluster outside gehen:allowedClusters, naming the rule', async () => {
    const config = deployConfig({
      services: [serviceConfig('api', 'prod')],
      scheduledTasks: [{ rule: 'nightly', region: null, containers: null }],
    });
    expect(await problemsOf({ ...NO_ALLOWLISTS, clusters: ['staging-*'] }, config)).toEqual([
      'services.api: cluster prod is not in gehen:allowedClusters (staging-*)',
      'scheduledTasks.nightly: target job: cluster batch is not in gehen:allowedClusters (staging-*)',
    ]);
    // Refused by its name: the service is not even described.
    expect(ecs).not.toHaveReceivedCommand(DescribeServicesCommand);
  });

  it('refuses a container image outside gehen:allowedRepositories', async () => {
    expect(await problemsOf({ ...NO_ALLOWLISTS, repositories: ['team/*'] })).toEqual([
      `services.api: container api runs repository ${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/api, which is not in gehen:allowedRepositories (team/*)`,
    ]);
  });

  it('refuses a role.arn outside gehen:allowedRoleArns before assuming it', async () => {
    const role = 'arn:aws:iam::444455556666:role/admin';
    const clientsFor = jest.fn((_role: string | null): AwsClients => testClients());
    await expect(
      prepare(
        { execution: { gitsha: NEW_SHA, config: deployConfig({ roleArn: role }) }, executionArn: 'arn' },
        clientsFor,
        {
          defaultRegion: 'eu-west-1',
          allowlists: { ...NO_ALLOWLISTS, roleArns: ['arn:aws:iam::111122223333:role/gehen-*'] },
        },
      ),
    ).rejects.toThrow(`role.arn: ${role} is not in gehen:allowedRoleArns (arn:aws:iam::111122223333:role/gehen-*)`);
    expect(clientsFor).not.toHaveBeenCalled();
    expect(ecs).not.toHaveReceivedAnyCommand();
  });
});
