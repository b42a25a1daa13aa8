import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  type DescribeTasksCommandInput,
  ECSClient,
  ListTasksCommand,
  type ListTasksCommandInput,
  type Task,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { checkDrain } from '../../../lambdas/check-drain/core';
import { failureThreshold } from '../../../lambdas/check-drain/health-failures';
import {
  deployment,
  describeServicesFrom,
  ecsService,
  makePlan,
  plannedService,
  roundInput,
  taskDefinitionArn,
} from '../shared/round-fixtures';

const ecs = mockClient(ECSClient);
const NOW = new Date('2030-01-01T00:10:00.000Z');
const DEPLOYED_AT = new Date('2030-01-01T00:00:00.000Z');
const NEW = taskDefinitionArn('api', 2);
const api = plannedService('api');
const deps = { clients: { ecs: (region: string) => new ECSClient({ region }) }, now: () => NOW };
let tasks: Task[];

function task(n: number, fields: Partial<Task>): Task {
  return {
    taskArn: `arn:aws:ecs:eu-west-1:123456789012:task/prod/t${n}`,
    taskDefinitionArn: NEW,
    startedBy: 'ecs-svc/new',
    createdAt: new Date(DEPLOYED_AT.getTime() + n * 1000),
    ...fields,
  };
}
const healthy = (n: number) => task(n, { desiredStatus: 'RUNNING', lastStatus: 'RUNNING', healthStatus: 'HEALTHY' });
const failedCheck = (n: number, fields: Partial<Task> = {}) =>
  task(n, {
    desiredStatus: 'STOPPED',
    lastStatus: 'STOPPED',
    stopCode: 'ServiceSchedulerInitiated',
    stoppedReason: 'Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:…:targetgroup/api/1)',
    ...fields,
  });

/** The rollout as ECS shows it after resetting failedTasks: IN_PROGRESS, 0 failures, half the tasks up. */
function serve(events: Array<{ at: Date; message: string }>): void {
  const service = {
    ...ecsService(api, [
      deployment(NEW, {
        id: 'ecs-svc/new',
        desiredCount: 4,
        runningCount: 2,
        failedTasks: 0,
        rolloutState: 'IN_PROGRESS',
        createdAt: DEPLOYED_AT,
      }),
    ]),
    events: events.map((e, i) => ({ id: String(i), createdAt: e.at, message: e.message })),
  };
  ecs.on(DescribeServicesCommand).callsFake(describeServicesFrom(new Map([[api.name, service]])));
}

const unhealthyEvent = {
  at: new Date('2030-01-01T00:05:00.000Z'),
  message: '(service api) (task t1) (port 80) is unhealthy in (target-group api) due to (reason Health checks failed)',
};

beforeEach(() => {
  ecs.reset();
  tasks = [];
  ecs.on(ListTasksCommand).callsFake((input: ListTasksCommandInput) => ({
    taskArns: tasks.filter((t) => t.desiredStatus === (input.desiredStatus ?? 'RUNNING')).map((t) => t.taskArn),
  }));
  ecs.on(DescribeTasksCommand).callsFake((input: DescribeTasksCommandInput) => ({
    tasks: tasks.filter((t) => input.tasks?.includes(t.taskArn ?? '')),
  }));
});

describe('failureThreshold (the circuit breaker’s, counted without its resets)', () => {
  test.each<[string, number, Parameters<typeof failureThreshold>[1], number]>([
    ['default, 4 tasks: at least 3', 4, undefined, 3],
    ['default, 10 tasks: half', 10, undefined, 5],
    ['default, 1000 tasks: at most 200', 1000, undefined, 200],
    ['COUNT 2', 10, { enable: true, rollback: true, thresholdConfiguration: { type: 'COUNT', value: 2 } }, 2],
    [
      'BOUNDED_PERCENT 20 of 10: still at least 3',
      10,
      { enable: true, rollback: true, thresholdConfiguration: { type: 'BOUNDED_PERCENT', value: 20 } },
      3,
    ],
    [
      'UNBOUNDED_PERCENT 20 of 10',
      10,
      { enable: true, rollback: true, thresholdConfiguration: { type: 'UNBOUNDED_PERCENT', value: 20 } },
      2,
    ],
  ])('%s', (_name, desired, breaker, threshold) => {
    expect(failureThreshold(desired, breaker)).toBe(threshold);
  });
});

describe('checkDrain with a revision whose tasks keep failing health checks while failedTasks resets', () => {
  test.each<[string, Task[], string]>([
    [
      '3 of its tasks stopped by failed health checks (threshold 3) → failed',
      [1, 2, 3].map((n) => failedCheck(n)),
      'failed',
    ],
    ['2 of them → still waiting', [1, 2].map((n) => failedCheck(n)), 'waiting'],
    [
      'container health checks count too',
      [1, 2, 3].map((n) => failedCheck(n, { stoppedReason: 'Task failed container health checks' })),
      'failed',
    ],
    [
      'tasks an earlier deployment of the same revision lost do not count',
      [1, 2, 3].map((n) => failedCheck(n, { startedBy: 'ecs-svc/earlier' })),
      'waiting',
    ],
    [
      'tasks stopped for scaling do not count',
      [1, 2, 3].map((n) => failedCheck(n, { stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/new)' })),
      'waiting',
    ],
  ])('%s', async (_name, stopped, status) => {
    serve([unhealthyEvent]);
    tasks = [healthy(10), healthy(11), ...stopped];

    const state = await checkDrain(roundInput(makePlan([api])), deps);

    expect(state.status).toBe(status);
    if (status === 'failed') {
      expect(state.failures[0]?.reason).toMatch(/^3 tasks of api:2 failed health checks \(threshold 3;/);
    }
    expect(ecs).toHaveReceivedCommandWith(ListTasksCommand, { serviceName: 'api', desiredStatus: 'STOPPED' });
  });

  it('reads no task while the events report no failed health check since the deployment began', async () => {
    serve([{ at: new Date('2029-12-31T00:00:00.000Z'), message: unhealthyEvent.message }]);
    tasks = [healthy(10), ...[1, 2, 3].map((n) => failedCheck(n))];

    const state = await checkDrain(roundInput(makePlan([api])), deps);

    expect(state.status).toBe('waiting');
    expect(ecs).toHaveReceivedCommandTimes(ListTasksCommand, 0);
    expect(ecs).toHaveReceivedCommandTimes(DescribeTasksCommand, 0);
  });
});
