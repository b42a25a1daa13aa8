import { DeleteItemCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ACCOUNT } from '../shared/deploy-fixtures';

const dynamodb = mockClient(DynamoDBClient);
beforeEach(() => dynamodb.reset());
afterAll(() => dynamodb.restore());

const EXECUTION = `arn:aws:states:us-east-1:${ACCOUNT}:execution:gehen-deploy:run-1`;
const context = { functionName: 'release-lock', awsRequestId: 'req-1' } as Context;

let handler: typeof import('../../../lambdas/release-lock/handler')['handler'];
beforeAll(async () => {
  process.env.LOCK_TABLE_NAME = 'gehen-lock';
  ({ handler } = await import('../../../lambdas/release-lock/handler'));
});

describe('release-lock handler', () => {
  it('releases what the execution holds in the table the environment names', async () => {
    dynamodb.on(GetItemCommand).resolves({
      Item: { owner: { S: EXECUTION }, targets: { L: [{ S: `service#${ACCOUNT}#us-east-1#prod#api` }] } },
    });
    dynamodb.on(DeleteItemCommand).resolves({});

    await expect(handler({ executionArn: EXECUTION }, context)).resolves.toEqual({
      executionArn: EXECUTION,
      released: 1,
    });
    expect(dynamodb).toHaveReceivedCommandWith(DeleteItemCommand, {
      TableName: 'gehen-lock',
      Key: { pk: { S: `service#${ACCOUNT}#us-east-1#prod#api` } },
    });
  });

  it('succeeds, releasing nothing, when called again', async () => {
    dynamodb.on(GetItemCommand).resolves({});
    await expect(handler({ executionArn: EXECUTION }, context)).resolves.toEqual({
      executionArn: EXECUTION,
      released: 0,
    });
  });

  it("takes Step Functions' status-change event as EventBridge delivers it, for the abort path", async () => {
    dynamodb.on(GetItemCommand).resolves({});
    const event = {
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: { executionArn: EXECUTION, status: 'ABORTED' },
    };
    await expect(handler(event, context)).resolves.toEqual({
      executionArn: EXECUTION,
      released: 0,
    });
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, { Key: { pk: { S: `execution#${EXECUTION}` } } });
  });

  it.each([[{}], [{ executionArn: 'run-1' }], [{ detail: { executionArn: 'arn:aws:ecs:us-east-1:1:service/x' } }]])(
    'refuses input without an execution ARN: %j',
    async (input) => {
      await expect(handler(input as { executionArn: string }, context)).rejects.toThrow(/needs an execution ARN/);
      expect(dynamodb.calls()).toHaveLength(0);
    },
  );
});
