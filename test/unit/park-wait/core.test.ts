import { DeleteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { parkWait } from '../../../lambdas/park-wait/core';
import type { PlannedService } from '../../../lambdas/shared/contracts/state';

const dynamodbMock = mockClient(DynamoDBClient);
const sfnMock = mockClient(SFNClient);
beforeEach(() => {
  dynamodbMock.reset();
  sfnMock.reset();
});
afterAll(() => {
  dynamodbMock.restore();
  sfnMock.restore();
});

const ACCOUNT = '123456789012';
const EXECUTION = `arn:aws:states:us-east-1:${ACCOUNT}:execution:gehen-deploy:run-1`;
const NOW = new Date('2026-05-01T12:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;

const service = (name: string, cluster = 'prod'): PlannedService => ({
  name,
  cluster: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${cluster}`,
  region: 'us-east-1',
  url: null,
  containers: null,
  previousTaskDefinition: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${name}:1`,
  previousSha: null,
});

const deps = () => ({
  dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
  sfn: new SFNClient({ region: 'us-east-1' }),
  tableName: 'gehen-lock',
  now: () => NOW,
});

const input = (services: PlannedService[]) => ({
  taskToken: 'token-1',
  executionArn: EXECUTION,
  plan: { services },
  waitSeconds: 60,
});

describe('parkWait', () => {
  it('parks the token under the long ARN of every planned service, ECS events name services by it', async () => {
    dynamodbMock.on(PutItemCommand).resolves({});
    dynamodbMock.on(DeleteItemCommand).resolves({});

    await expect(parkWait(input([service('api'), service('worker', 'batch')]), deps())).resolves.toEqual({
      parked: 2,
      missed: false,
    });

    for (const arn of [
      `arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/api`,
      `arn:aws:ecs:us-east-1:${ACCOUNT}:service/batch/worker`,
    ]) {
      expect(dynamodbMock).toHaveReceivedCommandWith(PutItemCommand, {
        TableName: 'gehen-lock',
        Item: {
          pk: { S: `wake#${arn}` },
          token: { S: 'token-1' },
          owner: { S: EXECUTION },
          // The wait's length plus a margin: nothing to read once the wait is long over.
          expiresAt: { N: String(NOW_SECONDS + 60 + 300) },
        },
      });
    }
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('ends its own wait at once when an event came while the execution was checking', async () => {
    dynamodbMock.on(PutItemCommand).resolves({});
    dynamodbMock.on(DeleteItemCommand, { Key: { pk: { S: `missed#${EXECUTION}` } } }).resolves({
      Attributes: {
        pk: { S: `missed#${EXECUTION}` },
        event: { S: 'ECS Deployment State Change SERVICE_DEPLOYMENT_COMPLETED' },
        service: { S: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/api` },
        expiresAt: { N: String(NOW_SECONDS + 100) },
      },
    });
    sfnMock.on(SendTaskSuccessCommand).resolves({});

    await expect(parkWait(input([service('api')]), deps())).resolves.toEqual({ parked: 1, missed: true });
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: 'token-1',
      output: JSON.stringify({
        woke: 'missed',
        event: 'ECS Deployment State Change SERVICE_DEPLOYMENT_COMPLETED',
        service: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/api`,
      }),
    });
    // The wake items are written before the missed record is taken: an event is delivered or found.
    const calls = dynamodbMock.calls().map((call) => call.args[0].constructor.name);
    expect(calls).toEqual(['PutItemCommand', 'DeleteItemCommand']);
  });

  it('succeeds when Wake ended the wait first (another event, while it parked): the token is closed', async () => {
    dynamodbMock.on(PutItemCommand).resolves({});
    dynamodbMock.on(DeleteItemCommand).resolves({
      Attributes: {
        pk: { S: `missed#${EXECUTION}` },
        event: { S: 'ECS Deployment State Change SERVICE_DEPLOYMENT_COMPLETED' },
        service: { S: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/api` },
        expiresAt: { N: String(NOW_SECONDS + 100) },
      },
    });
    sfnMock.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' }));

    await expect(parkWait(input([service('api')]), deps())).resolves.toEqual({ parked: 1, missed: true });
  });

  it('waits when the missed record is stale (a wait long over, not yet deleted by TTL)', async () => {
    dynamodbMock.on(PutItemCommand).resolves({});
    dynamodbMock.on(DeleteItemCommand).resolves({
      Attributes: { pk: { S: `missed#${EXECUTION}` }, expiresAt: { N: String(NOW_SECONDS - 1) } },
    });

    await expect(parkWait(input([service('api')]), deps())).resolves.toEqual({ parked: 1, missed: false });
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('fails, saying what it was doing, when it cannot park (the workflow then polls)', async () => {
    dynamodbMock
      .on(PutItemCommand)
      .rejects(Object.assign(new Error('no table'), { name: 'ResourceNotFoundException' }));

    await expect(parkWait(input([service('api')]), deps())).rejects.toThrow(
      `failed to park the drain's wait on arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/api: ResourceNotFoundException: no table`,
    );
  });
});
