import { SandboxAwsError } from './aws-error';
import {
  type AttributeValue,
  DYNAMODB_ERROR_PREFIX,
  type ExpressionContext,
  evaluateCondition,
  type Item,
} from './dynamodb-conditions';
import type { JsonService } from './server';
import type { TemplateLike } from './stepfunctions/template-workflow';

/**
 * As much of DynamoDB as gehen's deployment lock needs, on the JSON 1.0 protocol
 * (`x-amz-target: DynamoDB_20120810.<Op>`): GetItem, PutItem, DeleteItem and TransactWriteItems
 * with condition expressions, answered as the API reference documents them
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Operations_Amazon_DynamoDB.html).
 *
 * Every call is applied at once, in the order the sandbox receives it: conditional writes are
 * strongly consistent on DynamoDB ("a conditional write succeeds only if the item attributes meet
 * one or more expected conditions", evaluated against the item's current state), and a
 * transaction is all or nothing. Items past their TTL are NOT deleted: DynamoDB deletes them
 * "within a few days" and "items that have expired, but haven't yet been deleted by TTL, still
 * appear in reads" (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html),
 * so a reader must compare the TTL attribute itself.
 */
export class DynamoDb implements JsonService {
  private readonly tables = new Map<string, Table>();

  /** A table keyed by `keyAttributes` (partition key first), in `region`. */
  createTable(region: string, name: string, keyAttributes: readonly string[]): void {
    this.tables.set(`${region}/${name}`, { name, keyAttributes: [...keyAttributes], items: new Map() });
  }

  /** Every AWS::DynamoDB::Table of the template, named as CloudFormation names it here (TableName, else its id). */
  createTablesFromTemplate(template: TemplateLike, region: string): string[] {
    const names: string[] = [];
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::DynamoDB::Table') continue;
      const props = resource.Properties ?? {};
      const name = typeof props.TableName === 'string' ? props.TableName : logicalId;
      const schema = Array.isArray(props.KeySchema) ? (props.KeySchema as Array<Record<string, unknown>>) : [];
      const keys = [...schema]
        .sort((a, b) => (a.KeyType === 'HASH' ? -1 : b.KeyType === 'HASH' ? 1 : 0))
        .map((key) => String(key.AttributeName));
      this.createTable(region, name, keys);
      names.push(name);
    }
    return names;
  }

  /** The table's items, for tests and the control routes. */
  items(region: string, name: string): Item[] {
    return [...(this.tables.get(`${region}/${name}`)?.items.values() ?? [])];
  }

  async handle(operation: string, input: unknown, region: string): Promise<unknown> {
    const request = (input ?? {}) as Record<string, unknown>;
    switch (operation) {
      case 'GetItem': {
        const table = this.table(region, request.TableName);
        const item = table.items.get(keyOf(table, request.Key, 'key'));
        return item ? { Item: item } : {};
      }
      case 'PutItem': {
        const table = this.table(region, request.TableName);
        const item = request.Item as Item;
        checkSize(item);
        const key = keyOf(table, item, 'item');
        const old = table.items.get(key);
        checkCondition(request, old);
        table.items.set(key, item);
        return request.ReturnValues === 'ALL_OLD' && old ? { Attributes: old } : {};
      }
      case 'DeleteItem': {
        const table = this.table(region, request.TableName);
        const key = keyOf(table, request.Key, 'key');
        const old = table.items.get(key);
        checkCondition(request, old);
        table.items.delete(key);
        return request.ReturnValues === 'ALL_OLD' && old ? { Attributes: old } : {};
      }
      case 'TransactWriteItems':
        return this.transactWrite(region, request);
      default:
        throw new SandboxAwsError(
          'UnknownOperationException',
          `The sandbox's DynamoDB does not model ${operation} (only GetItem, PutItem, DeleteItem, TransactWriteItems).`,
        );
    }
  }

  /**
   * All or nothing: every condition is checked first; if one fails, nothing is written and the
   * call is answered TransactionCanceledException with one CancellationReason per item, in order
   * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
   */
  private transactWrite(region: string, request: Record<string, unknown>): Record<string, never> {
    const actions = Array.isArray(request.TransactItems)
      ? (request.TransactItems as Array<Record<string, unknown>>)
      : [];
    if (actions.length === 0 || actions.length > MAX_TRANSACTION_ITEMS) {
      throw validation(
        `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TRANSACTION_ITEMS}`,
      );
    }
    const planned = actions.map((action) => {
      const [kind, body] = Object.entries(action)[0] ?? [];
      const spec = (body ?? {}) as Record<string, unknown>;
      if (kind !== 'Put' && kind !== 'Delete' && kind !== 'ConditionCheck') {
        throw validation(
          `The sandbox's DynamoDB does not model TransactWriteItems ${kind ?? 'actions'} (Put, Delete, ConditionCheck only).`,
        );
      }
      const table = this.table(region, spec.TableName);
      if (kind === 'Put') checkSize(spec.Item as Item);
      const key = keyOf(table, kind === 'Put' ? spec.Item : spec.Key, kind === 'Put' ? 'item' : 'key');
      return { kind, spec, table, key, id: `${table.name}/${key}` };
    });
    if (new Set(planned.map((p) => p.id)).size !== planned.length) {
      throw validation('Transaction request cannot include multiple operations on one item');
    }
    const reasons = planned.map(({ spec, table, key }) => {
      const old = table.items.get(key);
      if (conditionHolds(spec, old)) return { Code: 'None' };
      return {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        ...(spec.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old ? { Item: old } : {}),
      };
    });
    if (reasons.some((reason) => reason.Code !== 'None')) {
      throw new SandboxAwsError(
        `${DYNAMODB_ERROR_PREFIX}TransactionCanceledException`,
        `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
        400,
        { CancellationReasons: reasons },
      );
    }
    for (const { kind, spec, table, key } of planned) {
      if (kind === 'Put') table.items.set(key, spec.Item as Item);
      if (kind === 'Delete') table.items.delete(key);
    }
    return {};
  }

  private table(region: string, name: unknown): Table {
    const table = typeof name === 'string' ? this.tables.get(`${region}/${name}`) : undefined;
    if (!table) {
      throw new SandboxAwsError(`${DYNAMODB_ERROR_PREFIX}ResourceNotFoundException`, 'Requested resource not found');
    }
    return table;
  }
}

interface Table {
  name: string;
  keyAttributes: string[];
  items: Map<string, Item>;
}

// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
const MAX_TRANSACTION_ITEMS = 100;
const MAX_ITEM_BYTES = 400 * 1024;

/** The item's primary key; a Key must name exactly the key attributes, an Item must hold them. */
function keyOf(table: Table, value: unknown, kind: 'key' | 'item'): string {
  const record = (value ?? {}) as Record<string, AttributeValue>;
  const parts = table.keyAttributes.map((name) => record[name]);
  const exact = kind === 'item' || Object.keys(record).length === table.keyAttributes.length;
  if (!exact || parts.some((part) => part === undefined || Object.keys(part).length !== 1)) {
    throw validation(
      kind === 'key'
        ? 'The provided key element does not match the schema'
        : `One or more parameter values were invalid: Missing the key ${table.keyAttributes.join(', ')} in the item`,
    );
  }
  return JSON.stringify(parts);
}

/** Names and values as the item's JSON: a little over what DynamoDB counts, never under. */
function checkSize(item: Item | undefined): void {
  if (Buffer.byteLength(JSON.stringify(item ?? {})) > MAX_ITEM_BYTES) {
    throw validation('Item size has exceeded the maximum allowed size');
  }
}

function conditionHolds(request: Record<string, unknown>, old: Item | undefined): boolean {
  const expression = request.ConditionExpression;
  if (typeof expression !== 'string') return true;
  const context: ExpressionContext = {
    names: request.ExpressionAttributeNames as ExpressionContext['names'],
    values: request.ExpressionAttributeValues as ExpressionContext['values'],
  };
  return evaluateCondition(expression, old, context);
}

/** PutItem and DeleteItem: ConditionalCheckFailedException, with the item when asked for (ALL_OLD). */
function checkCondition(request: Record<string, unknown>, old: Item | undefined): void {
  if (conditionHolds(request, old)) return;
  throw new SandboxAwsError(
    `${DYNAMODB_ERROR_PREFIX}ConditionalCheckFailedException`,
    'The conditional request failed',
    400,
    {
      ...(request.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old ? { Item: old } : {}),
    },
  );
}

function validation(message: string): SandboxAwsError {
  return new SandboxAwsError(`${DYNAMODB_ERROR_PREFIX}ValidationException`, message);
}
