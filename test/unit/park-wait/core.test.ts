import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import 'aws-sdk-client-mock-jest';
import { parkWait } from '../../../lambdas/park-wait/core';
import { type EcsEvent, wake } from '../../../lambdas/wake/core';
import { arnOf, EXECUTION, NOW, service, waitTable } from './wait-table';

const t = waitTable();
beforeEach(() => t.reset());
afterAll(() => t.restore());

const NOW_SECONDS = NOW.getTime() / 1000;
const PLAN = { services: [service('api'), service('worker', 'batch'), service('web')] };

const park = (token: string, pending?: number[]) => {
  t.startTask(token);
  return parkWait(
    { taskToken: token, executionArn: EXECUTION, plan: PLAN, round: pending ? { pending } : null, waitSeconds: 60 },
    t.deps(),
  );
};

const event = (name: string, eventName: string, detailType = 'ECS Deployment State Change'): EcsEvent => ({
  'detail-type': detailType,
  source: 'aws.ecs',
  resources: [arnOf(name, name === 'worker' ? 'batch' : 'prod')],
  detail: { eventName },
});

describe('parkWait', () => {
  it('parks only the services the last round still waits for, by the long ARN ECS events name them by', async () => {
    await expect(park('token-1', [1, 2])).resolves.toEqual({ parked: 2, missed: false });

    expect(t.item(`wait#${EXECUTION}`)).toEqual({
      pk: { S: `wait#${EXECUTION}` },
      token: { S: 'token-1' },
      // What Wake reads to decide which events end it: a drain's when the loop names none.
      kind: { S: 'drain' },
      services: { SS: [arnOf('worker', 'batch'), arnOf('web')] },
      // The wait's length plus a margin: nothing to read once the wait is long over.
      expiresAt: { N: String(NOW_SECONDS + 60 + 300) },
    });
    expect(t.dynamodbMock).toHaveReceivedCommandTimes(PutItemCommand, 2);
    expect(t.item(`wake#${arnOf('worker', 'batch')}`)?.owner).toEqual({ S: EXECUTION });
    expect(t.item(`wake#${arnOf('worker', 'batch')}`)?.kind).toEqual({ S: 'drain' });
    expect(t.item(`wake#${arnOf('api')}`)).toBeUndefined();
    expect(t.ended).toEqual([]);
  });

  it("records a gate's wait as one on both items, so that Wake ends it on hook events", async () => {
    t.startTask('token-1');
    await parkWait(
      {
        taskToken: 'token-1',
        executionArn: EXECUTION,
        kind: 'gate',
        plan: PLAN,
        round: { pending: [0] },
        waitSeconds: 60,
      },
      t.deps(),
    );
    expect(t.item(`wait#${EXECUTION}`)?.kind).toEqual({ S: 'gate' });
    expect(t.item(`wake#${arnOf('api')}`)?.kind).toEqual({ S: 'gate' });
  });

  it('parks every planned service when the round names none (a round written before `pending`)', async () => {
    await expect(park('token-1')).resolves.toEqual({ parked: 3, missed: false });
  });

  it('starts the wait before it points the services at it: a Wake that finds the execution finds its wait', async () => {
    await park('token-1', [0]);
    const calls = t.dynamodbMock.calls().map((call) => call.args[0].constructor.name);
    expect(calls).toEqual(['UpdateItemCommand', 'PutItemCommand']);
  });

  it('ends its own wait at once when every parked service reported while the execution was checking', async () => {
    await park('token-1', [0, 1]);
    t.timeOut('token-1');
    // The check runs; meanwhile both report. Neither can end the closed wait.
    await wake(event('api', 'SERVICE_DEPLOYMENT_COMPLETED'), t.deps());
    await wake(event('worker', 'SERVICE_DEPLOYMENT_COMPLETED'), t.deps());

    await expect(park('token-2', [0, 1])).resolves.toEqual({ parked: 2, missed: true });
    expect(t.ended).toEqual([
      { token: 'token-2', output: { woke: 'missed', event: 'reported while checking', service: arnOf('api') } },
    ]);
  });

  it('waits for the rest when only some parked services reported while checking, and forgets the reports', async () => {
    await park('token-1', [0, 1]);
    t.timeOut('token-1');
    await wake(event('api', 'SERVICE_DEPLOYMENT_COMPLETED'), t.deps());

    await expect(park('token-2', [0, 1])).resolves.toEqual({ parked: 2, missed: false });
    expect(t.item(`wait#${EXECUTION}`)?.services).toEqual({ SS: [arnOf('worker', 'batch')] });
    expect(t.item(`wait#${EXECUTION}`)?.reported).toBeUndefined();
    expect(t.ended).toEqual([]);
  });

  it('ends its own wait at once when a deployment failed while checking', async () => {
    await park('token-1', [0, 1]);
    t.timeOut('token-1');
    await wake(event('worker', 'SERVICE_DEPLOYMENT_FAILED'), t.deps());

    await expect(park('token-2', [0, 1])).resolves.toEqual({ parked: 2, missed: true });
    expect(t.ended).toEqual([
      {
        token: 'token-2',
        output: {
          woke: 'failure',
          event: 'ECS Deployment State Change SERVICE_DEPLOYMENT_FAILED',
          service: arnOf('worker', 'batch'),
        },
      },
    ]);
  });

  it('succeeds when Wake ended the wait first: the token is closed, the wait over as wanted', async () => {
    await park('token-1', [0]);
    t.timeOut('token-1');
    await wake(event('api', 'SERVICE_DEPLOYMENT_COMPLETED'), t.deps());
    t.dynamodbMock.on(UpdateItemCommand, { UpdateExpression: 'DELETE #services :gone' }).callsFake(async () => {
      t.timeOut('token-2');
      return { Attributes: { services: { SS: [arnOf('api')] } } };
    });

    await expect(park('token-2', [0])).resolves.toEqual({ parked: 1, missed: true });
  });

  it('fails, saying what it was doing, when it cannot park (the workflow then polls)', async () => {
    t.dynamodbMock
      .on(UpdateItemCommand)
      .rejects(Object.assign(new Error('no table'), { name: 'ResourceNotFoundException' }));

    await expect(park('token-1', [0])).rejects.toThrow(
      `failed to park the drain's wait of ${EXECUTION}: ResourceNotFoundException: no table`,
    );
  });
});
