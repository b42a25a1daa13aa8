import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import {
  DescribeRuleCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type Sandbox, type StepFunctionsContext, startSandbox } from '../../sandbox';
import type { StoredEvent } from '../../sandbox/events';
import { clients, fastFleet, taskDefinition } from './helpers';

const fleet = fastFleet({
  services: [{ name: 'api', cluster: 'demo', taskDefinition: taskDefinition('api', 'aaaaaaa') }],
  scheduledTasks: [
    {
      rule: 'nightly-report',
      scheduleExpression: 'rate(1 day)',
      targets: [{ id: 'report', cluster: 'demo', taskCount: 2, taskDefinition: taskDefinition('report', 'aaaaaaa') }],
    },
  ],
});

describe('eventbridge', () => {
  let sandbox: Sandbox;
  let events: ReturnType<typeof clients>['events'];
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, fleet });
    ({ events } = clients(sandbox));
  });
  afterAll(() => sandbox.close());

  it('seeds the fleet rule with an ECS target on the cluster', async () => {
    const rule = await events.send(new DescribeRuleCommand({ Name: 'nightly-report' }));
    expect(rule).toMatchObject({ ScheduleExpression: 'rate(1 day)', State: 'ENABLED' });
    const { Targets } = await events.send(new ListTargetsByRuleCommand({ Rule: 'nightly-report' }));
    expect(Targets).toEqual([
      expect.objectContaining({
        Id: 'report',
        Arn: 'arn:aws:ecs:us-east-1:000000000000:cluster/demo',
        RoleArn: expect.stringMatching(/^arn:aws:iam::000000000000:role\//),
        EcsParameters: expect.objectContaining({
          TaskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/report:1',
          TaskCount: 2,
          LaunchType: 'FARGATE',
        }),
      }),
    ]);
  });

  it('puts valid targets, reports invalid ones in FailedEntries and pages the list', async () => {
    await events.send(new PutRuleCommand({ Name: 'many', ScheduleExpression: 'rate(1 hour)' }));
    const ecsTarget = (id: string) => ({
      Id: id,
      Arn: 'arn:aws:ecs:us-east-1:000000000000:cluster/demo',
      RoleArn: 'arn:aws:iam::000000000000:role/ecsEventsRole',
      EcsParameters: { TaskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/report:1' },
    });
    const answer = await events.send(
      new PutTargetsCommand({
        Rule: 'many',
        Targets: [ecsTarget('a'), ecsTarget('b'), ecsTarget('c'), { ...ecsTarget('d'), RoleArn: undefined }],
      }),
    );
    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.FailedEntries).toEqual([
      expect.objectContaining({ TargetId: 'd', ErrorCode: 'ValidationException' }),
    ]);
    const first = await events.send(new ListTargetsByRuleCommand({ Rule: 'many', Limit: 2 }));
    const second = await events.send(
      new ListTargetsByRuleCommand({ Rule: 'many', Limit: 2, NextToken: first.NextToken }),
    );
    expect([...(first.Targets ?? []), ...(second.Targets ?? [])].map((t) => t.Id)).toEqual(['a', 'b', 'c']);
    expect(second.NextToken).toBeUndefined();
  });

  it('answers an unknown rule with ResourceNotFoundException', async () => {
    await expect(events.send(new ListTargetsByRuleCommand({ Rule: 'ghost' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('keeps put events and hands them to subscribers', async () => {
    const seen: StoredEvent[] = [];
    sandbox.onEvent((event) => seen.push(event));
    const answer = await events.send(
      new PutEventsCommand({ Entries: [{ Source: 'gehen', DetailType: 'Deployed', Detail: '{"sha":"abc1234"}' }] }),
    );
    expect(answer.FailedEntryCount).toBe(0);
    expect(seen).toEqual([
      expect.objectContaining({ id: answer.Entries?.[0]?.EventId, Source: 'gehen', region: 'us-east-1' }),
    ]);
  });

  it('answers Step Functions calls with UnknownOperationException while none is plugged in', async () => {
    const sfn = new SFNClient({
      endpoint: sandbox.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    await expect(sfn.send(new ListStateMachinesCommand({}))).rejects.toMatchObject({
      name: 'UnknownOperationException',
    });
  });
});

describe('the Step Functions seam', () => {
  it('starts the backend with the endpoint, routes its calls with their region, and closes it', async () => {
    const calls: [string, unknown, string][] = [];
    let context: StepFunctionsContext | undefined;
    let closed = false;
    const sandbox = await startSandbox({
      port: 0,
      fleet,
      stepFunctions: async (ctx) => {
        context = ctx;
        return {
          handle: async (operation, input, region) => {
            calls.push([operation, input, region]);
            return { stateMachines: [] };
          },
          stats: () => ({ 'arn:aws:states:us-east-1:000000000000:execution:gehen-deploy:x': { events: 7 } }),
          close: async () => {
            closed = true;
          },
        };
      },
    });
    try {
      expect(context).toEqual({
        endpoint: sandbox.endpoint,
        region: 'us-east-1',
        privateAddresses: [],
        fleet: sandbox.fleet,
        events: sandbox.events,
      });
      const sfn = new SFNClient({
        endpoint: sandbox.endpoint,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      });
      const answer = await sfn.send(new ListStateMachinesCommand({ maxResults: 5 }));
      expect(answer.stateMachines).toEqual([]);
      expect(calls).toEqual([['ListStateMachines', { maxResults: 5 }, 'eu-west-1']]);
      expect(sandbox.stats()).toEqual({
        calls: { 'states:ListStateMachines': 1 },
        throttled: {},
        executions: { 'arn:aws:states:us-east-1:000000000000:execution:gehen-deploy:x': { events: 7 } },
      });
    } finally {
      await sandbox.close();
    }
    expect(closed).toBe(true);
  });
});

describe('throttle', () => {
  it('answers a seeded fraction of ECS calls with ThrottlingException', async () => {
    const sandbox = await startSandbox({ port: 0, seed: 7, fleet: { ...fleet, throttle: 0.5 } });
    try {
      const { ecs } = clients(sandbox);
      const outcomes = [];
      for (let i = 0; i < 40; i += 1) {
        outcomes.push(
          await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['api'] })).then(
            () => 'ok',
            (error: Error) => error.name,
          ),
        );
      }
      const throttled = outcomes.filter((o) => o === 'ThrottlingException').length;
      expect(outcomes.filter((o) => o !== 'ThrottlingException').every((o) => o === 'ok')).toBe(true);
      expect(throttled).toBeGreaterThan(5);
      expect(throttled).toBeLessThan(35);
      expect(sandbox.stats().calls['ecs:DescribeServices']).toBe(40);
    } finally {
      await sandbox.close();
    }
  });
});
