import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import 'aws-sdk-client-mock-jest';
import { parkWait } from '../../../lambdas/park-wait/core';
import { type EcsEvent, eventMeaning, wake } from '../../../lambdas/wake/core';
import { arnOf, EXECUTION, service, waitTable } from '../park-wait/wait-table';

const t = waitTable();
beforeEach(() => t.reset());
afterAll(() => t.restore());

const PLAN = { services: [service('api'), service('web'), service('worker')] };
const API = arnOf('api');

const park = (token: string, pending: number[], kind: 'drain' | 'gate' = 'drain') => {
  t.startTask(token);
  return parkWait(
    { taskToken: token, executionArn: EXECUTION, kind, plan: PLAN, round: { pending }, waitSeconds: 60 },
    t.deps(),
  );
};

/** As ECS documents them (ecs_service_deployment_events.html), the service's ARN in `resources`. */
const deployment = (name: string, eventName: string): EcsEvent => ({
  'detail-type': 'ECS Deployment State Change',
  source: 'aws.ecs',
  time: '2026-05-01T11:59:59Z',
  resources: [arnOf(name)],
  detail: { eventType: 'INFO', eventName, deploymentId: 'ecs-svc/1' },
});

describe('eventMeaning', () => {
  it.each([
    ['ECS Deployment State Change', 'SERVICE_DEPLOYMENT_COMPLETED', 'deciding'],
    ['ECS Service Action', 'SERVICE_STEADY_STATE', 'deciding'],
    ['ECS Deployment State Change', 'SERVICE_DEPLOYMENT_FAILED', 'decisive'],
    ['ECS Deployment State Change', 'SERVICE_DEPLOYMENT_IN_PROGRESS', null],
    ['ECS Service Action', 'SERVICE_TASK_START_IMPAIRED', null],
    ['ECS Hook State Change', 'HOOK_AWAITING_ACTION', null],
  ])('%s %s is %s for a drain', (detailType, eventName, meaning) => {
    expect(eventMeaning({ 'detail-type': detailType, source: 'aws.ecs', detail: { eventName } })).toBe(meaning);
  });

  it.each([
    ['ECS Hook State Change', 'HOOK_AWAITING_ACTION', 'deciding'],
    ['ECS Deployment State Change', 'SERVICE_DEPLOYMENT_FAILED', 'decisive'],
    ['ECS Deployment State Change', 'SERVICE_DEPLOYMENT_COMPLETED', null],
    ['ECS Service Action', 'SERVICE_STEADY_STATE', null],
    ['ECS Deployment State Change', 'SERVICE_DEPLOYMENT_IN_PROGRESS', null],
  ])('%s %s is %s for a gate', (detailType, eventName, meaning) => {
    expect(eventMeaning({ 'detail-type': detailType, source: 'aws.ecs', detail: { eventName } }, 'gate')).toBe(meaning);
  });
});

/** As the sandbox emits it (sandbox/README.md: AWS documents its name, not its detail). */
const hookAwaiting = (name: string): EcsEvent => ({
  'detail-type': 'ECS Hook State Change',
  source: 'aws.ecs',
  resources: [arnOf(name)],
  detail: { eventType: 'INFO', eventName: 'HOOK_AWAITING_ACTION', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' },
});

describe('wake, for a gate', () => {
  it('ends the wait when every parked service has a hook waiting, and ignores completions', async () => {
    await park('token-1', [0, 1], 'gate');
    await expect(wake(deployment('api', 'SERVICE_DEPLOYMENT_COMPLETED'), t.deps())).resolves.toEqual({
      woken: 0,
      reported: 0,
    });
    await wake(hookAwaiting('api'), t.deps());
    expect(t.ended).toEqual([]);
    await expect(wake(hookAwaiting('web'), t.deps())).resolves.toEqual({ woken: 1, reported: 0 });
    expect(t.ended).toEqual([
      {
        token: 'token-1',
        output: {
          woke: 'event',
          event: 'ECS Hook State Change HOOK_AWAITING_ACTION',
          service: API.replace('api', 'web'),
        },
      },
    ]);
  });

  it('ends it at once on a failed deployment, as a drain', async () => {
    await park('token-1', [0, 1], 'gate');
    await expect(wake(deployment('web', 'SERVICE_DEPLOYMENT_FAILED'), t.deps())).resolves.toEqual({
      woken: 1,
      reported: 0,
    });
    expect(t.ended[0]?.output).toMatchObject({ woke: 'failure' });
  });

  it("leaves a drain's wait alone on a hook event", async () => {
    await park('token-1', [0], 'drain');
    await expect(wake(hookAwaiting('api'), t.deps())).resolves.toEqual({ woken: 0, reported: 0 });
    expect(t.item(`wait#${EXECUTION}`)?.services).toEqual({ SS: [API] });
  });

  it('never reports to a wait of another kind: the execution parked its next loop since the wake item was read', async () => {
    await park('token-1', [0], 'gate');
    // The drain parks: its wait item changes kind before Wake's update of the gate's event lands.
    const item = t.item(`wait#${EXECUTION}`);
    if (item) item.kind = { S: 'drain' };
    await expect(wake(hookAwaiting('api'), t.deps())).resolves.toEqual({ woken: 0, reported: 0 });
    expect(t.ended).toEqual([]);
    expect(t.item(`wait#${EXECUTION}`)?.reported).toBeUndefined();
  });
});

describe('wake', () => {
  it('ends the wait only when the last parked service reports: one round then decides them all', async () => {
    await park('token-1', [0, 1, 2]);

    await expect(wake(deployment('api', 'SERVICE_DEPLOYMENT_COMPLETED'), t.deps())).resolves.toEqual({
      woken: 0,
      reported: 1,
    });
    // ECS's second event for the same change takes nothing more out.
    await wake({ ...deployment('api', 'SERVICE_STEADY_STATE'), 'detail-type': 'ECS Service Action' }, t.deps());
    await wake(deployment('web', 'SERVICE_DEPLOYMENT_COMPLETED'), t.deps());
    expect(t.ended).toEqual([]);

    await expect(wake(deployment('worker', 'SERVICE_DEPLOYMENT_COMPLETED'), t.deps())).resolves.toEqual({
      woken: 1,
      reported: 0,
    });
    expect(t.ended).toEqual([
      {
        token: 'token-1',
        output: {
          woke: 'event',
          event: 'ECS Deployment State Change SERVICE_DEPLOYMENT_COMPLETED',
          service: arnOf('worker'),
        },
      },
    ]);
    // One atomic call per event: the set of parked services shrinks, the reports grow.
    expect(t.dynamodbMock).toHaveReceivedCommandWith(UpdateItemCommand, {
      Key: { pk: { S: `wait#${EXECUTION}` } },
      UpdateExpression: 'DELETE #services :service_set ADD #reported :service_set',
      ConditionExpression: 'attribute_exists(pk) AND #kind = :kind',
      ReturnValues: 'ALL_OLD',
    });
  });

  it('ends the wait at once on a failed deployment, whatever the others do', async () => {
    await park('token-1', [0, 1, 2]);

    await expect(wake(deployment('web', 'SERVICE_DEPLOYMENT_FAILED'), t.deps())).resolves.toEqual({
      woken: 1,
      reported: 0,
    });
    expect(t.ended.map((e) => e.output.woke)).toEqual(['failure']);
    // Delivered: the next park does not end at once for it.
    expect(t.item(`wait#${EXECUTION}`)?.decisive).toBeUndefined();
    await expect(park('token-2', [0])).resolves.toEqual({ parked: 1, missed: false });
  });

  it('leaves the wait alone for events that decide nothing a drain waits for', async () => {
    await park('token-1', [0]);
    await expect(wake(deployment('api', 'SERVICE_DEPLOYMENT_IN_PROGRESS'), t.deps())).resolves.toEqual({
      woken: 0,
      reported: 0,
    });
    expect(t.item(`wait#${EXECUTION}`)?.services).toEqual({ SS: [API] });
    expect(t.item(`wait#${EXECUTION}`)?.reported).toBeUndefined();
    expect(t.ended).toEqual([]);
  });

  it('never loses an event that comes while the execution checks: the next park drops the service', async () => {
    await park('token-1', [0, 1]);
    t.timeOut('token-1');
    await expect(wake(deployment('api', 'SERVICE_DEPLOYMENT_COMPLETED'), t.deps())).resolves.toEqual({
      woken: 0,
      reported: 1,
    });

    await park('token-2', [0, 1]);
    expect(t.ended).toEqual([]);
    await wake(deployment('web', 'SERVICE_DEPLOYMENT_COMPLETED'), t.deps());
    expect(t.ended.map((e) => e.token)).toEqual(['token-2']);
  });

  it('records the report when the last service reports just as the wait timed out', async () => {
    await park('token-1', [0]);
    t.timeOut('token-1');
    await expect(wake(deployment('api', 'SERVICE_DEPLOYMENT_COMPLETED'), t.deps())).resolves.toEqual({
      woken: 0,
      reported: 1,
    });
    await expect(park('token-2', [0])).resolves.toEqual({ parked: 1, missed: true });
  });

  it('does nothing for a service no execution parked, nor for a wait long over', async () => {
    await expect(wake(deployment('api', 'SERVICE_DEPLOYMENT_COMPLETED'), t.deps())).resolves.toEqual({
      woken: 0,
      reported: 0,
    });
    expect(t.sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
    // Never creates a wait item for an execution that has none.
    expect(t.item(`wait#${EXECUTION}`)).toBeUndefined();
  });

  it('reads a short service ARN with the cluster the event names, as ECS sends for unmigrated services', async () => {
    await park('token-1', [0]);
    await wake(
      {
        ...deployment('api', 'SERVICE_DEPLOYMENT_COMPLETED'),
        resources: ['arn:aws:ecs:us-east-1:123456789012:service/api'],
        detail: {
          eventName: 'SERVICE_DEPLOYMENT_COMPLETED',
          clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
        },
      },
      t.deps(),
    );
    expect(t.ended.map((e) => e.output.service)).toEqual([API]);
  });

  it('fails, saying whose wait, when Step Functions refuses for another reason (EventBridge retries it)', async () => {
    await park('token-1', [0]);
    t.sfnMock.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(wake(deployment('api', 'SERVICE_DEPLOYMENT_COMPLETED'), t.deps())).rejects.toThrow(
      `failed to wake ${EXECUTION}`,
    );
  });
});
