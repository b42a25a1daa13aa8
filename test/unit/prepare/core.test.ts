import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient, ListTargetsByRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { prepare } from '../../../lambdas/prepare/core';
import type { AwsClients } from '../../../lambdas/shared/aws/clients';
import type { DeployConfig, ServiceConfig } from '../../../lambdas/shared/config/deploy-config';
import { InvalidDeploymentError, TransientAwsError } from '../../../lambdas/shared/contracts/errors';
import {
  ACCOUNT,
  awsError,
  deployConfig,
  describedTaskDefinition,
  NEW_SHA,
  OLD_SHA,
  serviceConfig,
  taskDefinitionArn,
  testClients,
} from '../shared/deploy-fixtures';

const ecs = mockClient(ECSClient);
const events = mockClient(EventBridgeClient);
beforeEach(() => {
  ecs.reset();
  events.reset();
});

const EXECUTION_ARN = `arn:aws:states:eu-west-1:${ACCOUNT}:execution:gehen-deploy:run-1`;

function prepareInput(config: DeployConfig) {
  return { execution: { gitsha: NEW_SHA.toUpperCase(), config }, executionArn: EXECUTION_ARN };
}

/** Records the region each client is asked for: the original always used us-east-1. */
function recordingClients(): { clients: AwsClients; regions: string[] } {
  const inner = testClients();
  const regions: string[] = [];
  return {
    regions,
    clients: {
      ecs: (region) => {
        regions.push(region);
        return inner.ecs(region);
      },
      events: (region) => {
        regions.push(region);
        return inner.events(region);
      },
    },
  };
}

/** DescribeServices answers: every named service is ACTIVE on `family`:1, unless listed in `missing`. */
function ecsKnows(region: string, missing: string[] = [], extra: Partial<Service> = {}) {
  ecs.on(DescribeServicesCommand).callsFake(({ cluster, services }: { cluster: string; services: string[] }) => {
    const clusterArn = cluster.startsWith('arn:') ? cluster : `arn:aws:ecs:${region}:${ACCOUNT}:cluster/${cluster}`;
    return {
      services: services
        .filter((name) => !missing.includes(name))
        .map((name) => ({
          serviceName: name,
          serviceArn: `arn:aws:ecs:${region}:${ACCOUNT}:service/${cluster}/${name}`,
          clusterArn,
          status: 'ACTIVE',
          taskDefinition: taskDefinitionArn(name, 1, region),
          ...extra,
        })),
      failures: missing
        .filter((name) => services.includes(name))
        .map((name) => ({ arn: `arn:aws:ecs:${region}:${ACCOUNT}:service/${cluster}/${name}`, reason: 'MISSING' })),
    };
  });
  ecs.on(DescribeTaskDefinitionCommand).callsFake(({ taskDefinition }: { taskDefinition: string }) => {
    const [family = '', revision = '1'] = taskDefinition.slice(taskDefinition.lastIndexOf('/') + 1).split(':');
    return { taskDefinition: describedTaskDefinition(family, Number(revision)) };
  });
}

async function problemsOf(promise: Promise<unknown>): Promise<readonly string[]> {
  const error = await promise.then(
    () => {
      throw new Error('expected an InvalidDeploymentError');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidDeploymentError);
  return (error as InvalidDeploymentError).problems;
}

describe('prepare', () => {
  it('plans every service with its running revision and SHA, keeping the SHA as given (the image tag)', async () => {
    ecsKnows('eu-west-1');

    const plan = await prepare(prepareInput(deployConfig({ region: 'eu-west-1', timeoutMinutes: 2.5 })), testClients, {
      defaultRegion: 'us-east-1',
    });

    expect(plan).toEqual({
      deployment: {
        gitsha: NEW_SHA.toUpperCase(),
        updateStrategy: 'current',
        roleArn: null,
        timeoutSeconds: 150,
        pollIntervalSeconds: 15,
        requiredMatches: 3,
        executionArn: EXECUTION_ARN,
      },
      services: [
        {
          name: 'api',
          cluster: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/prod`,
          region: 'eu-west-1',
          url: null,
          containers: null,
          previousTaskDefinition: taskDefinitionArn('api', 1),
          previousSha: OLD_SHA,
        },
      ],
      scheduledTasks: [],
    });
  });

  it('never puts container definitions or environment values in the plan', async () => {
    ecsKnows('eu-west-1');
    const plan = await prepare(prepareInput(deployConfig()), testClients, { defaultRegion: 'eu-west-1' });
    const text = JSON.stringify(plan);
    for (const secret of ['hunter2', 'DATABASE_PASSWORD', 'environment', 'containerDefinitions', 'secrets']) {
      expect(text).not.toContain(secret);
    }
  });

  // The original forced us-east-1 and required cluster ARNs.
  test.each<[string, Partial<ServiceConfig>, string | null, string]>([
    [
      'a cluster ARN',
      { cluster: `arn:aws:ecs:ap-southeast-2:${ACCOUNT}:cluster/prod`, region: 'ap-southeast-2' },
      null,
      'ap-southeast-2',
    ],
    ["a bare name and the file's region", { region: 'eu-central-1' }, 'eu-central-1', 'eu-central-1'],
    ["a bare name and the caller's region", {}, null, 'ca-central-1'],
  ])('finds a service by %s', async (_, overrides, fileRegion, region) => {
    ecsKnows(region);
    const { clients, regions } = recordingClients();

    const plan = await prepare(
      prepareInput(deployConfig({ region: fileRegion, services: [serviceConfig('api', 'prod', overrides)] })),
      () => clients,
      { defaultRegion: 'ca-central-1' },
    );

    expect(plan.services[0]?.region).toBe(region);
    expect(new Set(regions)).toEqual(new Set([region]));
    expect(ecs).toHaveReceivedCommandWith(DescribeServicesCommand, { cluster: overrides.cluster ?? 'prod' });
  });

  it('describes services 10 per call per cluster and each task definition once', async () => {
    ecsKnows('eu-west-1', [], { taskDefinition: taskDefinitionArn('shared', 4) });
    const services = [
      ...Array.from({ length: 12 }, (_, i) => serviceConfig(`svc-${i}`, 'prod')),
      serviceConfig('other', 'staging'),
    ];

    const plan = await prepare(prepareInput(deployConfig({ services })), testClients, { defaultRegion: 'eu-west-1' });

    expect(plan.services).toHaveLength(13);
    expect(ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 3);
    expect(ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 1);
  });

  test.each<[string, Record<string, string>, string[] | null, string | null]>([
    ['the tag its containers share', { web: 'r/web:abc1234', worker: 'r/worker:abc1234' }, null, 'abc1234'],
    ['null when its containers disagree', { web: 'r/web:abc1234', worker: 'r/worker:def5678' }, null, null],
    ['the tag of the selected containers', { web: 'r/web:abc1234', agent: 'datadog/agent:7' }, ['web'], 'abc1234'],
  ])('records as previousSha %s', async (_, images, containers, sha) => {
    ecsKnows('eu-west-1');
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: describedTaskDefinition('api', 1, images) });

    const plan = await prepare(
      prepareInput(deployConfig({ services: [serviceConfig('api', 'prod', { containers })] })),
      testClients,
      { defaultRegion: 'eu-west-1' },
    );
    expect(plan.services[0]?.previousSha).toBe(sha);
  });

  it('plans every ECS target of a scheduled-task rule, across pages', async () => {
    ecsKnows('eu-west-1');
    events
      .on(ListTargetsByRuleCommand)
      .resolvesOnce({
        Targets: [{ Id: 'a', Arn: 'c', EcsParameters: { TaskDefinitionArn: taskDefinitionArn('job', 2) } }],
        NextToken: 't',
      })
      .resolvesOnce({
        Targets: [
          { Id: 'sns', Arn: 'arn:aws:sns:eu-west-1:1:t' },
          { Id: 'b', Arn: 'c', EcsParameters: { TaskDefinitionArn: taskDefinitionArn('job', 3) } },
        ],
      });

    const plan = await prepare(
      prepareInput(
        deployConfig({ services: [], scheduledTasks: [{ rule: 'nightly', region: null, containers: null }] }),
      ),
      testClients,
      { defaultRegion: 'eu-west-1' },
    );

    expect(plan.scheduledTasks).toEqual([
      {
        rule: 'nightly',
        region: 'eu-west-1',
        eventBusName: 'default',
        containers: null,
        targets: [
          { id: 'a', previousTaskDefinition: taskDefinitionArn('job', 2), previousSha: OLD_SHA },
          { id: 'b', previousTaskDefinition: taskDefinitionArn('job', 3), previousSha: OLD_SHA },
        ],
      },
    ]);
  });

  // The original updated scheduled tasks first and then panicked on a missing service.
  it('reports every problem at once and changes nothing', async () => {
    ecsKnows('eu-west-1', ['gone']);
    ecs
      .on(DescribeServicesCommand, { cluster: 'retired' })
      .rejects(awsError('ClusterNotFoundException', 'Cluster not found.'));
    ecs.on(DescribeServicesCommand, { cluster: 'old' }).resolves({
      services: [{ serviceName: 'legacy', status: 'INACTIVE', taskDefinition: taskDefinitionArn('legacy', 1) }],
    });
    events.on(ListTargetsByRuleCommand, { Rule: 'nightly' }).resolves({
      Targets: [{ Id: 'job', Arn: 'c', EcsParameters: { TaskDefinitionArn: taskDefinitionArn('job', 2) } }],
    });
    events
      .on(ListTargetsByRuleCommand, { Rule: 'typo' })
      .rejects(awsError('ResourceNotFoundException', 'Rule typo does not exist.'));
    events
      .on(ListTargetsByRuleCommand, { Rule: 'lambda-only' })
      .resolves({ Targets: [{ Id: 'fn', Arn: 'arn:aws:lambda:x' }] });

    const problems = await problemsOf(
      prepare(
        prepareInput(
          deployConfig({
            services: [
              serviceConfig('api', 'prod', { containers: ['api', 'sidecar'] }),
              serviceConfig('gone'),
              serviceConfig('worker', 'retired'),
              serviceConfig('legacy', 'old'),
            ],
            scheduledTasks: [
              { rule: 'nightly', region: null, containers: null },
              { rule: 'typo', region: null, containers: null },
              { rule: 'lambda-only', region: null, containers: null },
            ],
          }),
        ),
        testClients,
        { defaultRegion: 'eu-west-1' },
      ),
    );

    expect([...problems].sort()).toEqual(
      [
        'scheduledTasks.lambda-only: the rule has no ECS task targets in eu-west-1',
        'scheduledTasks.typo: no such rule on event bus default in eu-west-1',
        'services.api.containers: task definition api:1 has no container sidecar (it has api)',
        'services.gone: no such service in cluster prod (eu-west-1)',
        'services.legacy: the service is INACTIVE in cluster old (eu-west-1)',
        'services.worker.cluster: cluster retired (eu-west-1) does not exist',
      ].sort(),
    );
    // Reads only: no write of any kind went out.
    const sent = [...ecs.calls(), ...events.calls()].map((call) => call.args[0].constructor.name);
    expect(new Set(sent)).toEqual(
      new Set(['DescribeServicesCommand', 'DescribeTaskDefinitionCommand', 'ListTargetsByRuleCommand']),
    );
    expect(ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
    expect(ecs).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
    expect(events).not.toHaveReceivedCommand(PutTargetsCommand);
  });

  test.each(['CODE_DEPLOY', 'EXTERNAL'] as const)(
    'refuses a service on the %s deployment controller before changing anything',
    async (type) => {
      ecsKnows('eu-west-1', [], { deploymentController: { type } });
      events.on(ListTargetsByRuleCommand).resolves({
        Targets: [{ Id: 'job', Arn: 'c', EcsParameters: { TaskDefinitionArn: taskDefinitionArn('job', 2) } }],
      });

      const problems = await problemsOf(
        prepare(
          prepareInput(deployConfig({ scheduledTasks: [{ rule: 'nightly', region: null, containers: null }] })),
          testClients,
          { defaultRegion: 'eu-west-1' },
        ),
      );

      expect(problems).toEqual([
        `services.api: uses the ${type} deployment controller; gehen deploys only ECS rolling updates`,
      ]);
      expect(events).not.toHaveReceivedCommand(PutTargetsCommand);
    },
  );

  it('plans a service whose deployment controller is ECS', async () => {
    ecsKnows('eu-west-1', [], { deploymentController: { type: 'ECS' } });
    const plan = await prepare(prepareInput(deployConfig()), testClients, { defaultRegion: 'eu-west-1' });
    expect(plan.services.map((s) => s.name)).toEqual(['api']);
  });

  it('rejects an invalid execution input, naming each problem', async () => {
    const problems = await problemsOf(
      prepare(
        { execution: { gitsha: 'nope', config: deployConfig({ timeoutMinutes: -1 }) }, executionArn: EXECUTION_ARN },
        testClients,
        {
          defaultRegion: 'eu-west-1',
        },
      ),
    );
    expect(problems).toEqual([expect.stringMatching(/^gitsha: /), expect.stringMatching(/^config\.timeoutMinutes: /)]);
    expect(ecs.calls()).toHaveLength(0);
  });

  it('surfaces throttling as a TransientAwsError, not an invalid deployment', async () => {
    ecs.on(DescribeServicesCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));

    await expect(
      prepare(prepareInput(deployConfig()), testClients, { defaultRegion: 'eu-west-1' }),
    ).rejects.toBeInstanceOf(TransientAwsError);
  });
});
