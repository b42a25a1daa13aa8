import { DynamoDBClient, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { deployment, plannedService } from '../shared/deploy-fixtures';

const dynamodb = mockClient(DynamoDBClient);
dynamodb.on(PutItemCommand).resolves({});
dynamodb.on(TransactWriteItemsCommand).resolves({});
afterAll(() => dynamodb.restore());

// The handler reads its environment once, when it is loaded: as Lambda sets it from the template.
let handler: typeof import('../../../lambdas/acquire-lock/handler')['handler'];
beforeAll(async () => {
  process.env.LOCK_TABLE_NAME = 'gehen-lock';
  process.env.LOCK_TTL_SECONDS = '432000';
  ({ handler } = await import('../../../lambdas/acquire-lock/handler'));
});

const context = { functionName: 'acquire-lock', awsRequestId: 'req-1' } as Context;

describe('acquire-lock handler', () => {
  it('takes the lock in the table the environment names, for as long as an execution may run', async () => {
    const plan = { deployment: deployment(), services: [plannedService()], scheduledTasks: [] };

    expect(await handler({ plan, execution: { source: 'cli' } }, context)).toEqual(plan);

    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'gehen-lock',
      Item: expect.objectContaining({ expiresAt: { N: expect.any(String) } }),
    });
    const put = dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(Number(put?.Item?.expiresAt?.N) - Date.now() / 1000).toBeGreaterThan(432000 - 60);
    expect(dynamodb).toHaveReceivedCommandTimes(TransactWriteItemsCommand, 1);
  });
});
