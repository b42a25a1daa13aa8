import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { type EcsEvent, wake } from '../../../lambdas/wake/core';

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
const API = `arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/api`;
const NOW = new Date('2026-05-01T12:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;

const deps = () => ({
  dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
  sfn: new SFNClient({ region: 'us-east-1' }),
  tableName: 'gehen-lock',
  now: () => NOW,
});

/** As ECS documents it (ecs_service_deployment_events.html), the service's ARN in `resources`. */
const completed = (overrides: Partial<EcsEvent> = {}): EcsEvent => ({
  'detail-type': 'ECS Deployment State Change',
  source: 'aws.ecs',
  time: '2026-05-01T11:59:59Z',
  resources: [API],
  detail: { eventType: 'INFO', eventName: 'SERVICE_DEPLOYMENT_COMPLETED', deploymentId: 'ecs-svc/1' },
  ...overrides,
});

const parked = (extra: Record<string, { N: string }> = {}) => ({
  Item: {
    pk: { S: `wake#${API}` },
    token: { S: 'token-1' },
    owner: { S: EXECUTION },
    expiresAt: { N: String(NOW_SECONDS + 60) },
    ...extra,
  },
});

const closed = (name: string) => Object.assign(new Error('Task Timed Out'), { name });

describe('wake', () => {
  it('ends the wait parked on the service the event names, saying which event', async () => {
    dynamodbMock.on(GetItemCommand).resolves(parked());
    dynamodbMock.on(PutItemCommand).resolves({});
    sfnMock.on(SendTaskSuccessCommand).resolves({});

    await expect(wake(completed(), deps())).resolves.toEqual({ woken: 1, missed: 0 });
    expect(dynamodbMock).toHaveReceivedCommandWith(GetItemCommand, {
      Key: { pk: { S: `wake#${API}` } },
      ConsistentRead: true,
    });
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: 'token-1',
      output: JSON.stringify({
        woke: 'event',
        event: 'ECS Deployment State Change SERVICE_DEPLOYMENT_COMPLETED',
        service: API,
      }),
    });
    // When it was woken, unless a new park replaced the token meanwhile.
    expect(dynamodbMock).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({ token: { S: 'token-1' }, wokenAt: { N: String(NOW.getTime()) } }),
      ConditionExpression: '#token = :token',
    });
  });

  it('leaves a re-parked token alone when marking the wake (a conditional write that lost)', async () => {
    dynamodbMock.on(GetItemCommand).resolves(parked());
    dynamodbMock
      .on(PutItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    sfnMock.on(SendTaskSuccessCommand).resolves({});

    await expect(wake(completed(), deps())).resolves.toEqual({ woken: 1, missed: 0 });
  });

  it.each(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'])(
    'records a missed event when the token is closed (%s): the execution was checking, its next park ends at once',
    async (error) => {
      dynamodbMock.on(GetItemCommand).resolves(parked());
      dynamodbMock.on(PutItemCommand).resolves({});
      sfnMock.on(SendTaskSuccessCommand).rejects(closed(error));

      await expect(wake(completed(), deps())).resolves.toEqual({ woken: 0, missed: 1 });
      expect(dynamodbMock).toHaveReceivedCommandWith(PutItemCommand, {
        Item: {
          pk: { S: `missed#${EXECUTION}` },
          event: { S: 'ECS Deployment State Change SERVICE_DEPLOYMENT_COMPLETED' },
          service: { S: API },
          expiresAt: { N: String(NOW_SECONDS + 60) },
        },
      });
    },
  );

  it('records nothing for an event ECS emitted before an earlier event woke the wait: that check saw it', async () => {
    // SERVICE_STEADY_STATE and SERVICE_DEPLOYMENT_COMPLETED come together; the first one woke the wait.
    dynamodbMock
      .on(GetItemCommand)
      .resolves(parked({ wokenAt: { N: String(Date.parse('2026-05-01T11:59:59.500Z')) } }));
    sfnMock.on(SendTaskSuccessCommand).rejects(closed('TaskTimedOut'));

    await expect(wake(completed(), deps())).resolves.toEqual({ woken: 0, missed: 0 });
    expect(dynamodbMock).not.toHaveReceivedCommand(PutItemCommand);
  });

  it('ignores a deployment starting: the drain waits for it to end', async () => {
    const started = completed({
      detail: { eventType: 'INFO', eventName: 'SERVICE_DEPLOYMENT_IN_PROGRESS', deploymentId: 'ecs-svc/1' },
    });
    await expect(wake(started, deps())).resolves.toEqual({ woken: 0, missed: 0 });
    expect(dynamodbMock).not.toHaveReceivedCommand(GetItemCommand);
  });

  it('ignores services nobody waits on, and waits long over', async () => {
    dynamodbMock.on(GetItemCommand, { Key: { pk: { S: `wake#${API}` } } }).resolves({});
    const other = `arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/worker`;
    dynamodbMock.on(GetItemCommand, { Key: { pk: { S: `wake#${other}` } } }).resolves({
      Item: { ...parked().Item, expiresAt: { N: String(NOW_SECONDS - 1) } },
    });

    await expect(wake(completed({ resources: [API, other] }), deps())).resolves.toEqual({ woken: 0, missed: 0 });
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it("reads a short service ARN with the event's clusterArn; without one it leaves the service to the poll", async () => {
    dynamodbMock.on(GetItemCommand).resolves(parked());
    dynamodbMock.on(PutItemCommand).resolves({});
    sfnMock.on(SendTaskSuccessCommand).resolves({});
    const short = `arn:aws:ecs:us-east-1:${ACCOUNT}:service/api`;

    const action: EcsEvent = {
      'detail-type': 'ECS Service Action',
      source: 'aws.ecs',
      resources: [short],
      detail: { eventName: 'SERVICE_STEADY_STATE', clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod` },
    };
    await expect(wake(action, deps())).resolves.toEqual({ woken: 1, missed: 0 });
    expect(dynamodbMock).toHaveReceivedCommandWith(GetItemCommand, { Key: { pk: { S: `wake#${API}` } } });

    dynamodbMock.resetHistory();
    await expect(wake(completed({ resources: [short] }), deps())).resolves.toEqual({ woken: 0, missed: 0 });
    expect(dynamodbMock).not.toHaveReceivedCommand(GetItemCommand);
  });

  it('fails on any other error, so that Lambda retries the event', async () => {
    dynamodbMock.on(GetItemCommand).resolves(parked());
    sfnMock.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    await expect(wake(completed(), deps())).rejects.toThrow(
      `failed to wake ${EXECUTION}: AccessDeniedException: denied`,
    );
  });
});
