import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type Sandbox, startSandbox } from '../../sandbox';
import { evaluateCondition } from '../../sandbox/dynamodb-conditions';
import { fastFleet } from './helpers';

let sandbox: Sandbox;
let dynamodb: DynamoDBClient;
const TABLE = 'locks';

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, fleet: fastFleet({ services: [] }) });
  sandbox.dynamodb.createTable(sandbox.region, TABLE, ['pk']);
  dynamodb = new DynamoDBClient({
    endpoint: sandbox.endpoint,
    region: sandbox.region,
    credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' },
    maxAttempts: 1,
  });
});

afterAll(() => sandbox.close());

const S = (value: string) => ({ S: value });
const N = (value: number) => ({ N: String(value) });
// The lock's own condition: free, expired, or already this owner's.
const takeIfFree = (owner: string, now: number) => ({
  ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now OR #owner = :me',
  ExpressionAttributeNames: { '#pk': 'pk', '#expiresAt': 'expiresAt', '#owner': 'owner' },
  ExpressionAttributeValues: { ':now': N(now), ':me': S(owner) },
});
const put = (pk: string, owner: string, expiresAt: number, now = 1000) =>
  new PutItemCommand({
    TableName: TABLE,
    Item: { pk: S(pk), owner: S(owner), expiresAt: N(expiresAt) },
    ...takeIfFree(owner, now),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  });

describe("the sandbox's DynamoDB", () => {
  it('writes an item only while the condition holds, answering ConditionalCheckFailedException with the item', async () => {
    await dynamodb.send(put('a', 'first', 2000));
    // The same owner again: its condition holds (a retried step).
    await dynamodb.send(put('a', 'first', 2000));
    const refused = await dynamodb.send(put('a', 'second', 2000)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
    expect((refused as ConditionalCheckFailedException).Item?.owner).toEqual(S('first'));
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: S('a') }, ConsistentRead: true }),
    );
    expect(Item?.owner).toEqual(S('first'));
  });

  it('keeps an expired item readable (TTL deletes lazily) and lets a condition on it take it over', async () => {
    await dynamodb.send(put('b', 'stale', 500));
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: S('b') } }));
    expect(Item?.owner).toEqual(S('stale'));
    await dynamodb.send(put('b', 'new', 3000, 1000));
    const after = await dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: S('b') } }));
    expect(after.Item?.owner).toEqual(S('new'));
  });

  it('writes a transaction all or nothing, with one cancellation reason per item', async () => {
    await dynamodb.send(put('held', 'other', 9000));
    const transact = (owner: string, keys: string[]) =>
      new TransactWriteItemsCommand({
        TransactItems: keys.map((pk) => ({
          Put: {
            TableName: TABLE,
            Item: { pk: S(pk), owner: S(owner), expiresAt: N(9000) },
            ...takeIfFree(owner, 1000),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        })),
      });
    const refused = await dynamodb.send(transact('me', ['free', 'held'])).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TransactionCanceledException);
    expect((refused as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: 'None' },
      {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        Item: expect.objectContaining({ owner: S('other') }),
      },
    ]);
    // Nothing of it was written.
    const free = await dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: S('free') } }));
    expect(free.Item).toBeUndefined();

    await dynamodb.send(transact('me', ['free', 'free-too']));
    const written = await dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: S('free-too') } }));
    expect(written.Item?.owner).toEqual(S('me'));
  });

  it('refuses a transaction of more than 100 items, or two on one item', async () => {
    const items = (keys: string[]) =>
      new TransactWriteItemsCommand({
        TransactItems: keys.map((pk) => ({ Put: { TableName: TABLE, Item: { pk: S(pk) } } })),
      });
    await expect(dynamodb.send(items(Array.from({ length: 101 }, (_, i) => `k${i}`)))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(dynamodb.send(items(['same', 'same']))).rejects.toThrow(
      'Transaction request cannot include multiple operations on one item',
    );
  });

  it('deletes only what the condition allows', async () => {
    await dynamodb.send(put('c', 'owner', 9000));
    const deleteAs = (owner: string) =>
      new DeleteItemCommand({
        TableName: TABLE,
        Key: { pk: S('c') },
        ConditionExpression: '#owner = :me',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':me': S(owner) },
      });
    await expect(dynamodb.send(deleteAs('someone else'))).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await dynamodb.send(deleteAs('owner'));
    // Gone: a second release finds nothing to delete, and says so.
    await expect(dynamodb.send(deleteAs('owner'))).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  test.each([
    [
      'an unused placeholder',
      { ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':x': S('x') } },
      /unused in expressions/,
    ],
    ['an undefined value', { ConditionExpression: 'pk = :x' }, /attribute value used in expression is not defined/],
    [
      'a syntax error',
      { ConditionExpression: 'pk = = :x', ExpressionAttributeValues: { ':x': S('x') } },
      /Syntax error/,
    ],
  ])('answers ValidationException for %s', async (_, condition, message) => {
    await expect(
      dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: { pk: S('v') }, ...condition })),
    ).rejects.toThrow(message);
  });

  it('updates an item as the update expression says, returning it as it was or as it is (UpdateItem)', async () => {
    const update = (
      expression: string,
      values: Record<string, { SS: string[] } | { S: string }>,
      returnValues: string,
    ) =>
      dynamodb.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: { pk: S('u') },
          UpdateExpression: expression,
          ExpressionAttributeNames: { '#set': 'services', '#seen': 'reported' },
          ExpressionAttributeValues: values,
          ReturnValues: returnValues as 'ALL_OLD',
        }),
      );
    // No item yet: UpdateItem creates it, with its key.
    const created = await update('SET #set = :all REMOVE #seen', { ':all': { SS: ['a', 'b'] } }, 'ALL_OLD');
    expect(created.Attributes).toBeUndefined();
    const taken = await update('DELETE #set :one ADD #seen :one', { ':one': { SS: ['a'] } }, 'ALL_OLD');
    expect(taken.Attributes).toEqual({ pk: S('u'), services: { SS: ['a', 'b'] } });
    // DynamoDB holds no empty set: taking the last element removes the attribute.
    const last = await update('DELETE #set :one ADD #seen :one', { ':one': { SS: ['b'] } }, 'ALL_NEW');
    expect(last.Attributes).toEqual({ pk: S('u'), reported: { SS: ['a', 'b'] } });
  });

  it('updates only while the condition holds, and never the key (UpdateItem)', async () => {
    const guarded = new UpdateItemCommand({
      TableName: TABLE,
      Key: { pk: S('nothing-here') },
      UpdateExpression: 'ADD #n :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#n': 'n' },
      ExpressionAttributeValues: { ':one': N(1) },
    });
    await expect(dynamodb.send(guarded)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: S('nothing-here') } }));
    expect(Item).toBeUndefined();
    await expect(
      dynamodb.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: { pk: S('k') },
          UpdateExpression: 'SET pk = :other',
          ExpressionAttributeValues: { ':other': S('x'), ':unused': S('y') },
        }),
      ),
    ).rejects.toThrow(/part of the key|unused in expressions/);
  });

  it('answers ResourceNotFoundException for a table it does not have', async () => {
    await expect(dynamodb.send(new GetItemCommand({ TableName: 'nope', Key: { pk: S('a') } }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});

describe('condition expressions', () => {
  const item = { pk: S('a'), owner: S('me'), expiresAt: N(10) };
  const values = { ':me': S('me'), ':other': S('other'), ':five': N(5), ':twenty': N(20) };
  test.each([
    // AND binds tighter than OR, NOT tighter than AND (AWS's documented precedence).
    ['owner = :other OR owner = :me AND expiresAt < :twenty', true],
    ['(owner = :other OR owner = :me) AND expiresAt < :five', false],
    ['NOT owner = :me AND expiresAt > :twenty', false],
    ['NOT (owner = :me AND expiresAt > :five)', false],
    // Numbers compare as numbers, not strings ("10" < "5" as text).
    ['expiresAt > :five', true],
    // A missing attribute compares false either way.
    ['missing < :five OR missing >= :five', false],
    ['begins_with(owner, :me) AND attribute_not_exists(missing) AND attribute_exists(pk)', true],
  ])('%s → %s', (expression, expected) => {
    const used = Object.fromEntries(Object.entries(values).filter(([name]) => expression.includes(name)));
    expect(evaluateCondition(expression, item, { values: used })).toBe(expected);
  });
});
