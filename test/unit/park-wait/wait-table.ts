import {
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { PlannedService } from '../../../lambdas/shared/contracts/state';
import { SandboxAwsError } from '../../../sandbox/aws-error';
import { DynamoDb } from '../../../sandbox/dynamodb';

export const ACCOUNT = '123456789012';
export const EXECUTION = `arn:aws:states:us-east-1:${ACCOUNT}:execution:gehen-deploy:run-1`;
export const NOW = new Date('2026-05-01T12:00:00Z');
export const arnOf = (name: string, cluster = 'prod') => `arn:aws:ecs:us-east-1:${ACCOUNT}:service/${cluster}/${name}`;

export const service = (name: string, cluster = 'prod'): PlannedService => ({
  name,
  cluster: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${cluster}`,
  region: 'us-east-1',
  url: null,
  containers: null,
  previousTaskDefinition: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${name}:1`,
  previousSha: null,
});

/**
 * The DynamoDB and Step Functions clients of Park Wait and Wake, answered by the sandbox's DynamoDB
 * (its UpdateItem, conditions and ReturnValues as the API reference documents them) and by a set
 * of open task tokens: SendTaskSuccess closes a token, and a closed one answers InvalidToken.
 */
export function waitTable() {
  const dynamodbMock = mockClient(DynamoDBClient);
  const sfnMock = mockClient(SFNClient);
  const table = new DynamoDb();
  const open = new Set<string>();
  const ended: Array<{ token: string; output: Record<string, string> }> = [];

  const answer = (operation: string) => async (input: unknown) => {
    try {
      return await table.handle(operation, input, 'us-east-1');
    } catch (error) {
      if (!(error instanceof SandboxAwsError)) throw error;
      const name = error.type.split('#').pop() ?? error.type;
      throw new DynamoDBServiceException({ name, $fault: 'client', $metadata: {}, message: error.message });
    }
  };
  const reset = () => {
    dynamodbMock.reset();
    sfnMock.reset();
    table.createTable('us-east-1', 'gehen-lock', ['pk']);
    open.clear();
    ended.length = 0;
    dynamodbMock.on(GetItemCommand).callsFake(answer('GetItem'));
    dynamodbMock.on(PutItemCommand).callsFake(answer('PutItem'));
    dynamodbMock.on(UpdateItemCommand).callsFake(answer('UpdateItem'));
    sfnMock.on(SendTaskSuccessCommand).callsFake(async (input: { taskToken: string; output: string }) => {
      if (!open.delete(input.taskToken)) {
        throw Object.assign(new Error('Invalid Token'), { name: 'InvalidToken' });
      }
      ended.push({ token: input.taskToken, output: JSON.parse(input.output) });
      return {};
    });
  };
  const deps = () => ({
    dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
    sfn: new SFNClient({ region: 'us-east-1' }),
    tableName: 'gehen-lock',
    now: () => NOW,
  });
  return {
    dynamodbMock,
    sfnMock,
    reset,
    deps,
    /** A `.waitForTaskToken` Task started: its token is open until something ends it. */
    startTask: (token: string) => open.add(token),
    /** The Task timed out (the safety net): its token is closed. */
    timeOut: (token: string) => open.delete(token),
    ended,
    item: (pk: string) => table.items('us-east-1', 'gehen-lock').find((item) => item.pk?.S === pk),
    restore: () => {
      dynamodbMock.restore();
      sfnMock.restore();
    },
  };
}
