import {
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  type CleanupInput,
  cleanUpRevisions,
  deployedFamilies,
  MAX_DEREGISTRATIONS_PER_RUN,
} from '../../../lambdas/clean-up-revisions/core';
import {
  ACCOUNT,
  awsError,
  CLUSTER_ARN,
  deployment,
  plannedRule,
  plannedService,
  taskDefinitionArn,
  testClients,
} from '../shared/deploy-fixtures';

const ecs = mockClient(ECSClient);
const events = mockClient(EventBridgeClient);
beforeEach(() => {
  ecs.reset();
  events.reset();
});

const serviceArn = (name: string) => `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/prod/${name}`;

/** `api` deployed at revision `newest`; revisions 1..newest ACTIVE. */
function input(newest: number, keepRevisions: number | null = 3): CleanupInput {
  return {
    plan: {
      deployment: deployment(keepRevisions === null ? {} : { keepRevisions }),
      services: [plannedService()],
      scheduledTasks: [],
    },
    deployed: [{ name: 'api', taskDefinition: taskDefinitionArn('api', newest), updated: true }],
    scheduled: [],
  };
}

function cluster(services: Record<string, string[]>) {
  ecs.on(ListServicesCommand).resolves({ serviceArns: Object.keys(services).map(serviceArn) });
  ecs.on(DescribeServicesCommand).resolves({
    services: Object.entries(services).map(
      ([name, revisions]): Service => ({
        serviceName: name,
        serviceArn: serviceArn(name),
        taskDefinition: revisions[0],
        deployments: revisions.map((taskDefinition, i) => ({ status: i === 0 ? 'PRIMARY' : 'ACTIVE', taskDefinition })),
      }),
    ),
  });
}

function revisions(family: string, count: number) {
  // Oldest first, as a listing without sort would give: the step must not rely on the order.
  return Array.from({ length: count }, (_, i) => taskDefinitionArn(family, i + 1));
}

describe('cleanUpRevisions', () => {
  it('deregisters ACTIVE revisions beyond the newest `keep`, oldest included', async () => {
    cluster({ api: [taskDefinitionArn('api', 6)] });
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: revisions('api', 6) });
    ecs.on(DeregisterTaskDefinitionCommand).resolves({});

    const result = await cleanUpRevisions(input(6), testClients());

    expect(result.deregistered.sort()).toEqual(['api:1', 'api:2', 'api:3']);
    expect(ecs).toHaveReceivedCommandTimes(DeregisterTaskDefinitionCommand, 3);
    expect(ecs).toHaveReceivedCommandWith(ListTaskDefinitionsCommand, { familyPrefix: 'api', status: 'ACTIVE' });
  });

  test.each<[string, Record<string, string[]>, string[]]>([
    // A second service of the cluster, not in gehen.yml, still on an old revision of the family.
    [
      'another service of the cluster runs it',
      { api: [taskDefinitionArn('api', 6)], worker: [taskDefinitionArn('api', 2)] },
      ['api:2'],
    ],
    // A deployment still rolling: its ACTIVE (old) deployment keeps its revision.
    [
      'a service deployment still ACTIVE runs it',
      { api: [taskDefinitionArn('api', 6), taskDefinitionArn('api', 1)] },
      ['api:1'],
    ],
  ])('keeps a revision beyond `keep` when %s', async (_, services, kept) => {
    cluster(services);
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: revisions('api', 6) });
    ecs.on(DeregisterTaskDefinitionCommand).resolves({});

    const result = await cleanUpRevisions(input(6), testClients());

    expect(result.inUse).toEqual(kept);
    for (const revision of kept) {
      expect(ecs).not.toHaveReceivedCommandWith(DeregisterTaskDefinitionCommand, {
        taskDefinition: expect.stringContaining(`/${revision}`),
      });
    }
    expect(result.deregistered).toHaveLength(3 - kept.length);
  });

  it('keeps a revision a target of the plan’s rules runs, named family:revision', async () => {
    cluster({ api: [taskDefinitionArn('api', 6)] });
    events.on(ListTargetsByRuleCommand).resolves({
      Targets: [{ Id: 'job', Arn: CLUSTER_ARN, EcsParameters: { TaskDefinitionArn: 'api:1' } }],
    });
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: revisions('api', 6) });
    ecs.on(DeregisterTaskDefinitionCommand).resolves({});
    const withRule = input(6);
    withRule.plan.scheduledTasks = [plannedRule()];

    const result = await cleanUpRevisions(withRule, testClients());

    expect(result.inUse).toEqual(['api:1']);
    expect(result.deregistered.sort()).toEqual(['api:2', 'api:3']);
  });

  it('never touches a family whose name only starts like the deployed one', async () => {
    cluster({ api: [taskDefinitionArn('api', 4)] });
    ecs.on(ListTaskDefinitionsCommand).resolves({
      taskDefinitionArns: [...revisions('api', 4), ...revisions('api-worker', 9)],
    });
    ecs.on(DeregisterTaskDefinitionCommand).resolves({});

    const result = await cleanUpRevisions(input(4), testClients());

    expect(result.deregistered).toEqual(['api:1']);
  });

  it('deregisters nothing when what is in use cannot be read', async () => {
    ecs
      .on(ListServicesCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform ecs:ListServices'));
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: revisions('api', 6) });

    await expect(cleanUpRevisions(input(6), testClients())).rejects.toThrow(/list the services of cluster/);
    expect(ecs).not.toHaveReceivedCommand(DeregisterTaskDefinitionCommand);
  });

  it('records a revision it could not deregister and goes on with the others', async () => {
    cluster({ api: [taskDefinitionArn('api', 6)] });
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: revisions('api', 6) });
    ecs.on(DeregisterTaskDefinitionCommand).resolves({});
    ecs
      .on(DeregisterTaskDefinitionCommand, { taskDefinition: taskDefinitionArn('api', 2) })
      .rejects(awsError('ClientException', 'The specified task definition does not exist.'));

    const result = await cleanUpRevisions(input(6), testClients());

    expect(result.deregistered.sort()).toEqual(['api:1', 'api:3']);
    expect(result.failures).toEqual([
      { family: 'api', reason: expect.stringMatching(/deregister api:2: ClientException/) },
    ]);
  });

  it(`stops after ${MAX_DEREGISTRATIONS_PER_RUN} and says more are due`, async () => {
    cluster({ api: [taskDefinitionArn('api', 40)] });
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: revisions('api', 40) });
    ecs.on(DeregisterTaskDefinitionCommand).resolves({});

    const result = await cleanUpRevisions(input(40, 1), testClients());

    expect(result.deregistered).toHaveLength(MAX_DEREGISTRATIONS_PER_RUN);
    expect(result.more).toBe(true);
    // Oldest last: the newest due go first, so a backlog shrinks from the top.
    expect(result.deregistered[0]).toBe('api:39');
  });

  it('calls nothing without cleanupRevisions', async () => {
    await expect(cleanUpRevisions(input(6, null), testClients())).resolves.toEqual({
      deregistered: [],
      inUse: [],
      failures: [],
      more: false,
    });
    expect(ecs.calls()).toHaveLength(0);
  });
});

describe('deployedFamilies', () => {
  it('names each family once per region, from services and rule targets', () => {
    const families = deployedFamilies({
      ...input(6),
      plan: { ...input(6).plan, scheduledTasks: [plannedRule()] },
      scheduled: [
        {
          rule: 'nightly-report',
          targets: [
            {
              id: 'a',
              previousTaskDefinition: taskDefinitionArn('report', 3),
              taskDefinition: taskDefinitionArn('report', 4),
              changed: true,
            },
            {
              id: 'b',
              previousTaskDefinition: taskDefinitionArn('api', 5),
              taskDefinition: taskDefinitionArn('api', 6),
              changed: true,
            },
          ],
        },
      ],
    });
    expect(families).toEqual([
      { region: 'eu-west-1', family: 'api' },
      { region: 'eu-west-1', family: 'report' },
    ]);
  });
});
