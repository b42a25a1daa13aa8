import {
  type CancellationReason,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { TransientAwsError } from '../../../lambdas/shared/contracts/errors';
import type { LockTarget } from '../../../lambdas/shared/deploy-lock';
import { acquireLock, LockError, type LockStore, releaseLock } from '../../../lambdas/shared/deploy-lock';
import { ACCOUNT, awsError } from './deploy-fixtures';

const dynamodb = mockClient(DynamoDBClient);
beforeEach(() => dynamodb.reset());
afterAll(() => dynamodb.restore());

const NOW = new Date('2026-01-01T12:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const TABLE = 'gehen-lock';
const store: LockStore = { dynamodb: new DynamoDBClient({ region: 'eu-west-1' }), tableName: TABLE, now: () => NOW };
const execution = (name: string) => `arn:aws:states:eu-west-1:${ACCOUNT}:execution:gehen-deploy:${name}`;
const SELF = execution('self');
const OTHER = execution('other');
const target = (name: string): LockTarget => ({
  key: `service#${ACCOUNT}#eu-west-1#prod#${name}`,
  label: `service prod/${name}`,
});
const request = (targets: LockTarget[]) => ({ executionArn: SELF, gitsha: 'abc1234', targets, ttlSeconds: 3600 });

const canceled = (reasons: CancellationReason[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code)}]`,
    $metadata: {},
    CancellationReasons: reasons,
  });
const heldBy = (owner: string, label: string, gitsha = 'fedcba9') => ({
  Code: 'ConditionalCheckFailed',
  Item: { owner: { S: owner }, target: { S: label }, gitsha: { S: gitsha }, expiresAt: { N: '9999999999' } },
});

/** The execution record as acquireLock wrote it, so releaseLock finds it. */
function recordOf(keys: string[]) {
  return { Item: { pk: { S: `execution#${SELF}` }, owner: { S: SELF }, targets: { L: keys.map((S) => ({ S })) } } };
}

describe('acquireLock', () => {
  it("records the execution's targets, then takes them all in one conditional transaction", async () => {
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(TransactWriteItemsCommand).resolves({});
    const targets = [target('api'), target('worker')];

    await expect(acquireLock(store, request(targets))).resolves.toEqual({ kind: 'acquired' });

    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: TABLE,
      Item: {
        pk: { S: `execution#${SELF}` },
        owner: { S: SELF },
        targets: { L: targets.map((t) => ({ S: t.key })) },
        expiresAt: { N: String(NOW_SECONDS + 3600) },
      },
    });
    const [call] = dynamodb.commandCalls(TransactWriteItemsCommand);
    const items = call?.args[0].input.TransactItems ?? [];
    expect(items).toHaveLength(2);
    expect(items[0]?.Put).toMatchObject({
      TableName: TABLE,
      Item: {
        pk: { S: targets[0]?.key },
        owner: { S: SELF },
        gitsha: { S: 'abc1234' },
        target: { S: 'service prod/api' },
      },
      ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now OR #owner = :me',
      ExpressionAttributeValues: { ':now': { N: String(NOW_SECONDS) }, ':me': { S: SELF } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('takes more than 100 targets 100 to a transaction, in key order', async () => {
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(TransactWriteItemsCommand).resolves({});
    const targets = Array.from({ length: 250 }, (_, i) => target(`svc-${String(i).padStart(3, '0')}`));

    await acquireLock(store, request(targets));

    const sizes = dynamodb.commandCalls(TransactWriteItemsCommand).map((c) => c.args[0].input.TransactItems?.length);
    expect(sizes).toEqual([100, 100, 50]);
  });

  it('reports who holds what, and releases everything it took, when a target is held', async () => {
    const targets = [target('api'), target('worker')];
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(TransactWriteItemsCommand).rejects(canceled([{ Code: 'None' }, heldBy(OTHER, 'service prod/worker')]));
    dynamodb.on(GetItemCommand).resolves(recordOf(targets.map((t) => t.key)));
    dynamodb.on(DeleteItemCommand).resolves({});

    const outcome = await acquireLock(store, request(targets));

    expect(outcome).toEqual({
      kind: 'held',
      holders: [{ executionArn: OTHER, gitsha: 'fedcba9', label: 'service prod/worker' }],
      everyTargetHeld: false,
    });
    // Owner-checked deletes of every key it recorded, then of the record itself.
    expect(dynamodb).toHaveReceivedCommandTimes(DeleteItemCommand, 3);
    expect(dynamodb).toHaveReceivedCommandWith(DeleteItemCommand, {
      Key: { pk: { S: `execution#${SELF}` } },
      ConditionExpression: '#owner = :me',
      ExpressionAttributeValues: { ':me': { S: SELF } },
    });
  });

  it('releases the chunks it took when a later chunk is refused', async () => {
    const targets = Array.from({ length: 150 }, (_, i) => target(`svc-${String(i).padStart(3, '0')}`));
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb
      .on(TransactWriteItemsCommand)
      .resolvesOnce({})
      .rejectsOnce(canceled([heldBy(OTHER, 'service prod/svc-100'), ...Array(49).fill({ Code: 'None' })]));
    dynamodb.on(GetItemCommand).resolves(recordOf(targets.map((t) => t.key)));
    dynamodb.on(DeleteItemCommand).resolves({});

    const outcome = await acquireLock(store, request(targets));

    expect(outcome).toMatchObject({ kind: 'held', everyTargetHeld: false });
    expect(dynamodb).toHaveReceivedCommandTimes(DeleteItemCommand, 151);
  });

  it('says every target is held when the whole plan is, so a duplicate push can be skipped', async () => {
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb
      .on(TransactWriteItemsCommand)
      .rejects(canceled([heldBy(OTHER, 'service prod/api'), heldBy(OTHER, 'service prod/worker')]));
    dynamodb.on(GetItemCommand).resolves(recordOf([]));
    dynamodb.on(DeleteItemCommand).resolves({});

    const outcome = await acquireLock(store, request([target('api'), target('worker')]));

    expect(outcome).toMatchObject({ kind: 'held', everyTargetHeld: true });
  });

  test.each([
    ['a transaction conflict', canceled([{ Code: 'TransactionConflict' }])],
    ['throttling', awsError('ThrottlingException', 'Rate exceeded')],
    ['a conflict next to a held target', canceled([heldBy(OTHER, 'x'), { Code: 'TransactionConflict' }])],
  ])('retries %s (TransientAwsError), releasing what it took', async (_, error) => {
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(TransactWriteItemsCommand).rejects(error);
    dynamodb.on(GetItemCommand).resolves(recordOf([target('api').key, target('worker').key]));
    dynamodb.on(DeleteItemCommand).resolves({});

    await expect(acquireLock(store, request([target('api'), target('worker')]))).rejects.toBeInstanceOf(
      TransientAwsError,
    );
    expect(dynamodb).toHaveReceivedCommandTimes(DeleteItemCommand, 3);
  });

  it('fails as a LockError when it may not write the table', async () => {
    dynamodb
      .on(PutItemCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform dynamodb:PutItem'));

    await expect(acquireLock(store, request([target('api')]))).rejects.toBeInstanceOf(LockError);
  });
});

describe('releaseLock', () => {
  it('deletes what the execution holds, leaving items another execution took over', async () => {
    dynamodb.on(GetItemCommand).resolves(recordOf([target('api').key, target('worker').key]));
    dynamodb
      .on(DeleteItemCommand, { Key: { pk: { S: target('worker').key } } })
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    dynamodb.on(DeleteItemCommand, { Key: { pk: { S: target('api').key } } }).resolves({});
    dynamodb.on(DeleteItemCommand, { Key: { pk: { S: `execution#${SELF}` } } }).resolves({});

    await expect(releaseLock(store, SELF)).resolves.toEqual({ released: 1 });
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, {
      Key: { pk: { S: `execution#${SELF}` } },
      ConsistentRead: true,
    });
  });

  it('does nothing, successfully, for an execution that holds nothing (again)', async () => {
    dynamodb.on(GetItemCommand).resolves({});

    await expect(releaseLock(store, SELF)).resolves.toEqual({ released: 0 });
    expect(dynamodb).toHaveReceivedCommandTimes(DeleteItemCommand, 0);
  });

  it('is retried when DynamoDB throttles it', async () => {
    dynamodb.on(GetItemCommand).rejects(awsError('ProvisionedThroughputExceededException'));

    await expect(releaseLock(store, SELF)).rejects.toBeInstanceOf(TransientAwsError);
  });
});
