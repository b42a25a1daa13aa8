import {
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { PutEventsCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { type Sandbox, startSandbox } from '../../sandbox';
import type { StoredEvent } from '../../sandbox/events';
import { clients, fastFleet, taskDefinition, waitFor } from './helpers';

const TASK_DEFINITION = 'arn:aws:ecs:us-east-1:000000000000:task-definition';
const LIMITED = 'arn:aws:iam::000000000000:role/reportOnlyRevision1';

const fleet = fastFleet({
  roles: [{ arn: LIMITED, allowRunTask: [`${TASK_DEFINITION}/report:1`, `${TASK_DEFINITION}/cleanup:*`] }],
  scheduledTasks: [
    {
      rule: 'nightly-report',
      scheduleExpression: 'rate(1 day)',
      targets: [
        {
          id: 'report',
          cluster: 'jobs',
          taskCount: 2,
          roleArn: LIMITED,
          taskDefinition: taskDefinition('report', 'aaaaaaa'),
        },
        { id: 'cleanup', cluster: 'jobs', roleArn: LIMITED, taskDefinition: taskDefinition('cleanup', 'aaaaaaa') },
        // A role the fleet does not declare may run anything.
        { id: 'audit', cluster: 'jobs', taskDefinition: taskDefinition('audit', 'aaaaaaa') },
      ],
    },
  ],
});

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

describe('control endpoints', () => {
  let sandbox: Sandbox;
  let sdk: ReturnType<typeof clients>;
  const seen: StoredEvent[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, fleet });
    sdk = clients(sandbox);
    sandbox.onEvent((event) => seen.push(event));
  });
  afterAll(() => sandbox.close());

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sandbox.endpoint}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const listed = async () => (await call('GET', '/_sandbox/events')).body.events as Array<Record<string, unknown>>;

  describe('PutEvents', () => {
    it('refuses a customer entry with an aws.* source alone, and keeps the others', async () => {
      const answer = await sdk.events.send(
        new PutEventsCommand({
          Entries: [
            { Source: 'aws.ecr', DetailType: 'ECR Image Action', Detail: '{"action-type":"PUSH"}' },
            { Source: 'gehen', DetailType: 'Gehen Deployment State Change', Detail: '{"status":"deployed"}' },
          ],
        }),
      );
      expect(answer.FailedEntryCount).toBe(1);
      expect(answer.Entries?.[0]).toEqual({
        ErrorCode: 'NotAuthorizedForSourceException',
        ErrorMessage: 'Not authorized for the source.',
      });
      expect(answer.Entries?.[1]?.EventId).toEqual(expect.any(String));
      expect((await listed()).map((event) => event.source)).toEqual(['gehen']);
    });
  });

  describe('POST /_sandbox/ecr-push', () => {
    it('puts the ECR Image Action event ECR puts, routed like any event, listed after the earlier ones', async () => {
      const pushed = await call('POST', '/_sandbox/ecr-push', {
        repository: 'team/api',
        tag: '1a2b3c4',
        digest: digest(1),
      });
      expect(pushed.status).toBe(200);
      expect(seen.map((event) => event.id)).toContain(pushed.body.eventId);
      const events = await listed();
      expect(events.map((event) => event.source)).toEqual(['gehen', 'aws.ecr']);
      expect(events[1]).toMatchObject({
        id: pushed.body.eventId,
        'detail-type': 'ECR Image Action',
        account: '000000000000',
        region: 'us-east-1',
        resources: [],
        eventBusName: 'default',
        detail: {
          result: 'SUCCESS',
          'repository-name': 'team/api',
          'image-digest': digest(1),
          'action-type': 'PUSH',
          'image-tag': '1a2b3c4',
        },
      });
    });

    it('puts no image-tag for a push by digest only', async () => {
      const pushed = await call('POST', '/_sandbox/ecr-push', { repository: 'team/api', digest: digest(2) });
      const event = (await listed()).find((e) => e.id === pushed.body.eventId);
      expect(event?.detail).toEqual({
        result: 'SUCCESS',
        'repository-name': 'team/api',
        'image-digest': digest(2),
        'action-type': 'PUSH',
      });
    });

    it('refuses a push ECR could not have made, naming the field', async () => {
      const bad = await call('POST', '/_sandbox/ecr-push', { repository: 'Team/API', digest: 'sha256:abc' });
      expect(bad.status).toBe(400);
      expect(bad.body.__type).toBe('ValidationException');
      expect(bad.body.message).toMatch(/repository: .*digest: /);
    });
  });

  describe('POST /_sandbox/rules/<name>/fire', () => {
    it('runs every ECS target the role may run, TaskCount tasks each, started by the rule', async () => {
      const fired = await call('POST', '/_sandbox/rules/nightly-report/fire');
      expect(fired).toEqual({
        status: 200,
        body: { launched: 4, failed: [], tasks: expect.any(Array) },
      });
      expect(fired.body.tasks).toEqual(
        Array.from({ length: 4 }, () => expect.stringMatching(/^arn:aws:ecs:us-east-1:000000000000:task\/jobs\/\w+$/)),
      );
    });

    it('launches tasks ECS lists and describes as the rule started them, RUNNING once started, stoppable', async () => {
      const fired = await call('POST', '/_sandbox/rules/nightly-report/fire');
      const launched = fired.body.tasks as string[];
      const listed = async (desiredStatus?: 'STOPPED') =>
        (
          await sdk.ecs.send(
            new ListTasksCommand({ cluster: 'jobs', startedBy: 'events-rule/nightly-report', desiredStatus }),
          )
        ).taskArns ?? [];
      expect(await listed()).toEqual(expect.arrayContaining(launched));
      const describe = async () =>
        (await sdk.ecs.send(new DescribeTasksCommand({ cluster: 'jobs', tasks: launched }))).tasks ?? [];
      await waitFor('the fired tasks to run', async () => (await describe()).every((t) => t.lastStatus === 'RUNNING'));
      expect((await describe()).map((t) => [t.startedBy, t.group, t.taskDefinitionArn?.split('/').at(-1)])).toEqual([
        ['events-rule/nightly-report', 'family:report', 'report:1'],
        ['events-rule/nightly-report', 'family:report', 'report:1'],
        ['events-rule/nightly-report', 'family:cleanup', 'cleanup:1'],
        ['events-rule/nightly-report', 'family:audit', 'audit:1'],
      ]);

      const [first = ''] = launched;
      const { task } = await sdk.ecs.send(new StopTaskCommand({ cluster: 'jobs', task: first, reason: 'done' }));
      expect([task?.lastStatus, task?.stoppedReason, task?.stopCode]).toEqual(['STOPPED', 'done', 'UserInitiated']);
      expect(await listed()).not.toContain(first);
      expect(await listed('STOPPED')).toContain(first);
    });

    it('serves RunTask on the ECS API too', async () => {
      const { tasks = [], failures } = await sdk.ecs.send(
        new RunTaskCommand({ cluster: 'jobs', taskDefinition: 'audit:1', count: 2, startedBy: 'me' }),
      );
      expect(failures).toEqual([]);
      const { taskArns } = await sdk.ecs.send(new ListTasksCommand({ cluster: 'jobs', startedBy: 'me' }));
      expect(taskArns).toEqual(tasks.map((t) => t.taskArn));
    });

    it('refuses a revision the role was not granted, naming the role and the task definition', async () => {
      const { taskDefinition: registered } = await sdk.ecs.send(
        new RegisterTaskDefinitionCommand(taskDefinition('report', 'bbbbbbb')),
      );
      expect(registered?.taskDefinitionArn).toBe(`${TASK_DEFINITION}/report:2`);
      await sdk.events.send(
        new PutTargetsCommand({
          Rule: 'nightly-report',
          Targets: [
            {
              Id: 'report',
              Arn: 'arn:aws:ecs:us-east-1:000000000000:cluster/jobs',
              RoleArn: LIMITED,
              EcsParameters: { TaskDefinitionArn: `${TASK_DEFINITION}/report:2`, TaskCount: 2 },
            },
          ],
        }),
      );
      const fired = await call('POST', '/_sandbox/rules/nightly-report/fire');
      expect(fired.body.launched).toBe(2);
      expect(fired.body.failed).toEqual([
        {
          target: 'report',
          reason:
            `AccessDeniedException: User: ${LIMITED} is not authorized to perform: ecs:RunTask on resource: ` +
            `${TASK_DEFINITION}/report:2 because no identity-based policy allows the ecs:RunTask action`,
        },
      ]);
    });

    it('answers ResourceNotFoundException for a rule that does not exist', async () => {
      const fired = await call('POST', '/_sandbox/rules/ghost/fire');
      expect(fired.status).toBe(404);
      expect(fired.body.__type).toBe('ResourceNotFoundException');
    });
  });
});
