import {
  type Deployment,
  DescribeServicesCommand,
  DescribeTasksCommand,
  type DescribeTasksCommandInput,
  ECSClient,
  ListTasksCommand,
  type ListTasksCommandInput,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { checkDrain } from '../../../lambdas/check-drain/core';
import { TransientAwsError } from '../../../lambdas/shared/contracts/errors';
import type { PlannedService, RoundInput } from '../../../lambdas/shared/contracts/state';
import {
  clusterArn,
  deployment,
  describeServicesFrom,
  ecsService,
  makePlan,
  plannedService,
  ROUND_ONE,
  roundInput,
  taskDefinitionArn,
} from '../shared/round-fixtures';

const ecs = mockClient(ECSClient);
const NOW = new Date('2030-01-01T00:00:00.000Z');
const NEW = taskDefinitionArn('api', 2);
const OLD = taskDefinitionArn('api', 1);
let fleet: Map<string, Service>;
/** RUNNING tasks per ECS service name, served by the fake ListTasks/DescribeTasks. */
let tasks: Map<string, Task[]>;

const deps = (now = NOW) => ({ clients: { ecs: (region: string) => new ECSClient({ region }) }, now: () => now });

function taskArn(service: string, n: number): string {
  return `arn:aws:ecs:eu-west-1:123456789012:task/prod/${service}-${n}`;
}

function runningTasks(service: string, count: number, overrides: Partial<Task> = {}): Task[] {
  return Array.from({ length: count }, (_, n) => ({
    taskArn: taskArn(service, n),
    taskDefinitionArn: taskDefinitionArn(service, 2),
    lastStatus: 'RUNNING',
    healthStatus: 'HEALTHY',
    ...overrides,
  }));
}

/** ListTasks in pages of 100, as ECS serves them. */
function listTasks(input: ListTasksCommandInput) {
  const all = (tasks.get(input.serviceName ?? '') ?? [])
    .filter((t) => (t.desiredStatus ?? 'RUNNING') === (input.desiredStatus ?? 'RUNNING'))
    .map((t) => t.taskArn ?? '');
  const start = Number(input.nextToken ?? 0);
  const end = start + Math.min(input.maxResults ?? 100, 100);
  return { taskArns: all.slice(start, end), nextToken: end < all.length ? String(end) : undefined };
}

function describeTasks(input: DescribeTasksCommandInput) {
  if (!input.tasks || input.tasks.length === 0 || input.tasks.length > 100) {
    throw Object.assign(new Error(`tasks must hold 1 to 100 tasks, got ${input.tasks?.length}`), {
      name: 'InvalidParameterException',
    });
  }
  const byArn = new Map([...tasks.values()].flat().map((t) => [t.taskArn, t]));
  return { tasks: input.tasks.flatMap((arn) => byArn.get(arn) ?? []) };
}

function serve(service: PlannedService, deployments: Deployment[]): void {
  fleet.set(service.name, ecsService(service, deployments));
}

beforeEach(() => {
  ecs.reset();
  fleet = new Map();
  tasks = new Map();
  ecs.on(DescribeServicesCommand).callsFake(describeServicesFrom(fleet));
  ecs.on(ListTasksCommand).callsFake(listTasks);
  ecs.on(DescribeTasksCommand).callsFake(describeTasks);
});

describe('checkDrain', () => {
  const api = plannedService('api');

  test.each<{ name: string; deployments: Deployment[]; status: string }>([
    { name: 'only the new revision, all tasks running', deployments: [deployment(NEW)], status: 'done' },
    {
      // The original called this drained.
      name: 'the old deployment still running tasks',
      deployments: [deployment(NEW), deployment(OLD, { status: 'ACTIVE', runningCount: 1 })],
      status: 'waiting',
    },
    {
      name: 'the old deployment scaled to zero but still listed',
      deployments: [deployment(NEW), deployment(OLD, { status: 'ACTIVE', runningCount: 0 })],
      status: 'done',
    },
    {
      name: 'fewer tasks running than desired',
      deployments: [deployment(NEW, { runningCount: 1 })],
      status: 'waiting',
    },
    {
      name: 'the rollout still IN_PROGRESS',
      deployments: [deployment(NEW, { rolloutState: 'IN_PROGRESS' })],
      status: 'waiting',
    },
    {
      name: 'no rolloutState reported and all running',
      deployments: [deployment(NEW, { rolloutState: undefined })],
      status: 'done',
    },
    {
      name: 'the circuit breaker failing the new revision',
      deployments: [
        deployment(OLD, { rolloutState: 'IN_PROGRESS' }),
        deployment(NEW, { status: 'ACTIVE', rolloutState: 'FAILED', rolloutStateReason: 'tasks failed to start' }),
      ],
      status: 'failed',
    },
    { name: 'ECS having rolled back to the old revision', deployments: [deployment(OLD)], status: 'failed' },
  ])('$name → $status', async ({ deployments, status }) => {
    serve(api, deployments);
    const state = await checkDrain(roundInput(makePlan([api])), deps());
    expect(state.status).toBe(status);
    expect(ecs).toHaveReceivedCommandTimes(ListTasksCommand, 0);
  });

  it('names every service still waiting by its position in the plan, for Park Wait to park those alone', async () => {
    const names = ['a', 'b', 'c', 'd'].map((n) => plannedService(n));
    for (const [i, s] of names.entries()) {
      const revision = taskDefinitionArn(s.name, 2);
      serve(
        s,
        i % 2 === 0
          ? [deployment(revision)]
          : [deployment(revision), deployment(taskDefinitionArn(s.name, 1), { status: 'ACTIVE', runningCount: 1 })],
      );
    }
    const plan = makePlan(names);
    const state = await checkDrain(roundInput(plan), deps());
    expect(state).toMatchObject({ status: 'waiting', done: 2, pending: [1, 3] });

    // Drained: nothing left to park on.
    for (const s of names) serve(s, [deployment(taskDefinitionArn(s.name, 2))]);
    expect((await checkDrain(roundInput(plan), deps())).pending).toBeUndefined();
  });

  it("ignores a probe round's `confirmed` names: drained is decided by ECS every round", async () => {
    serve(api, [deployment(NEW), deployment(OLD, { status: 'ACTIVE', runningCount: 1 })]);
    const round = { ...ROUND_ONE, confirmed: ['api'] };

    const state = await checkDrain(roundInput(makePlan([api]), { round }), deps());

    expect(state).toMatchObject({ status: 'waiting', round: 2, waiting: ['api'] });
    expect(state).not.toHaveProperty('confirmed');
  });

  it('fails the round when a task of the new revision is UNHEALTHY', async () => {
    serve(api, [
      deployment(NEW, { rolloutState: 'IN_PROGRESS', runningCount: 1, failedTasks: 2 }),
      deployment(OLD, { status: 'ACTIVE', runningCount: 1 }),
    ]);
    tasks.set('api', [
      ...runningTasks('api', 1, { healthStatus: 'UNHEALTHY' }),
      { taskArn: taskArn('api', 9), taskDefinitionArn: OLD, healthStatus: 'HEALTHY' },
    ]);

    const state = await checkDrain(roundInput(makePlan([api])), deps());

    expect(state.status).toBe('failed');
    expect(state.failures).toEqual([{ service: 'api', reason: `task ${taskArn('api', 0)} of ${NEW} is UNHEALTHY` }]);
    expect(ecs).toHaveReceivedCommandWith(ListTasksCommand, {
      cluster: clusterArn(),
      serviceName: 'api',
      desiredStatus: 'RUNNING',
    });
  });

  it('keeps waiting when the tasks of a struggling rollout are healthy', async () => {
    serve(api, [deployment(NEW, { rolloutState: undefined, runningCount: 1 })]);
    tasks.set('api', runningTasks('api', 1));
    const state = await checkDrain(roundInput(makePlan([api])), deps());
    expect(state).toMatchObject({ status: 'waiting', waiting: ['api'] });
  });

  it('lists tasks past the first 100 and describes them in chunks of at most 100', async () => {
    serve(api, [
      deployment(NEW, { rolloutState: 'IN_PROGRESS', desiredCount: 260, runningCount: 250, failedTasks: 1 }),
    ]);
    tasks.set('api', [
      ...runningTasks('api', 249),
      ...runningTasks('api', 1, { taskArn: taskArn('api', 249), healthStatus: 'UNHEALTHY' }),
    ]);

    const state = await checkDrain(roundInput(makePlan([api])), deps());

    expect(state.status).toBe('failed');
    expect(ecs).toHaveReceivedCommandTimes(ListTasksCommand, 3);
    const sizes = ecs.commandCalls(DescribeTasksCommand).map((call) => call.args[0].input.tasks?.length);
    expect(sizes).toEqual([100, 100, 50]);
  });

  it('never calls DescribeTasks with an empty list', async () => {
    serve(api, [deployment(NEW, { rolloutState: 'IN_PROGRESS', runningCount: 0, failedTasks: 3 })]);
    const state = await checkDrain(roundInput(makePlan([api])), deps());
    expect(state.status).toBe('waiting');
    expect(ecs).toHaveReceivedCommandTimes(ListTasksCommand, 1);
    expect(ecs).toHaveReceivedCommandTimes(DescribeTasksCommand, 0);
  });

  it('makes at most 0.3 ECS read calls per service in a round', async () => {
    // 40 services on 4 clusters, 4 of them replacing failed tasks.
    const services = Array.from({ length: 40 }, (_, i) =>
      plannedService(`svc-${i}`, {
        cluster: clusterArn(`cluster-${i % 4}`),
      }),
    );
    services.forEach((service, i) => {
      const next = taskDefinitionArn(service.name, 2);
      if (i % 10 === 0) {
        serve(service, [deployment(next, { rolloutState: 'IN_PROGRESS', runningCount: 1, failedTasks: 1 })]);
        tasks.set(service.name, runningTasks(service.name, 1));
      } else if (i % 3 === 0) {
        serve(service, [deployment(next, { rolloutState: 'IN_PROGRESS' })]);
      } else {
        serve(service, [deployment(next)]);
      }
    });

    const state = await checkDrain(roundInput(makePlan(services)), deps());

    expect(state).toMatchObject({ status: 'waiting', total: 40 });
    expect(ecs.calls().length / services.length).toBeLessThanOrEqual(0.3);
  });

  it('expects the previous revision when draining a rollback', async () => {
    serve(api, [deployment(OLD), deployment(NEW, { status: 'ACTIVE', runningCount: 0, rolloutState: 'FAILED' })]);
    const input: RoundInput = { ...roundInput(makePlan([api])), expect: 'previous' };
    await expect(checkDrain(input, deps())).resolves.toMatchObject({ status: 'done', done: 1 });
  });

  it('waits for a steady service under updateStrategy none, whatever revision it runs', async () => {
    serve(api, [deployment(taskDefinitionArn('api', 7)), deployment(OLD, { status: 'ACTIVE', runningCount: 2 })]);
    const input = roundInput(makePlan([api], { updateStrategy: 'none' }));
    await expect(checkDrain(input, deps())).resolves.toMatchObject({ status: 'waiting' });
  });

  it('expires on the deadline set when the phase started, not per finished service', async () => {
    const web = plannedService('web');
    serve(api, [deployment(NEW)]);
    fleet.set(web.name, ecsService(web, [deployment(taskDefinitionArn('web', 2), { runningCount: 1 })]));
    const first = await checkDrain(roundInput(makePlan([api, web], { timeoutSeconds: 60 })), deps());
    expect(first).toMatchObject({ status: 'waiting', deadline: '2030-01-01T00:01:00.000Z', done: 1 });

    const input: RoundInput = { ...roundInput(makePlan([api, web], { timeoutSeconds: 60 })), round: first };
    const second = await checkDrain(input, deps(new Date('2030-01-01T00:01:00.000Z')));

    expect(second).toMatchObject({ status: 'expired', round: 2, deadline: first.deadline, waiting: ['web'] });
  });

  it('wraps a throttled ListTasks as a transient error with context', async () => {
    serve(api, [deployment(NEW, { rolloutState: undefined, runningCount: 1 })]);
    ecs.on(ListTasksCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const promise = checkDrain({ ...roundInput(makePlan([api])), round: ROUND_ONE }, deps());
    await expect(promise).rejects.toThrow(TransientAwsError);
    await expect(promise).rejects.toThrow(
      `failed to list RUNNING tasks of service api in cluster ${clusterArn()}: ThrottlingException: Rate exceeded`,
    );
  });
});
