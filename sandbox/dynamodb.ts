import { SandboxAwsError } from './aws-error';
import {
  type AttributeValue,
  DYNAMODB_ERROR_PREFIX,
  type ExpressionContext,
  evaluateCondition,
  type Item,
} from './dynamodb-conditions';
import { applyUpdate } from './dynamodb-update';
import type { JsonService } from './server';
import type { TemplateLike } from './stepfunctions/template-workflow';

/**
 * As much of DynamoDB as gehen's deployment lock needs, on the JSON 1.0 protocol
 * (`x-amz-target: DynamoDB_20120810.<Op>`): GetItem, PutItem, DeleteItem, UpdateItem and
 * TransactWriteItems with condition expressions, answered as the API reference documents them
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
      case 'UpdateItem':
        return this.updateItem(region, request);
      case 'TransactWriteItems':
        return this.transactWrite(region, request);
      default:
        throw new SandboxAwsError(
          'UnknownOperationException',
          `The sandbox's DynamoDB does not model ${operation} (only GetItem, PutItem, DeleteItem, UpdateItem, TransactWriteItems).`,
        );
    }
  }

  /**
   * Edits the item (creating it, with its key, when there is none) as the update expression says,
   * if the condition holds on the item as it was; ReturnValues NONE, ALL_OLD, ALL_NEW, UPDATED_OLD
   * or UPDATED_NEW (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html).
   * The placeholders are shared by both expressions: one unused by either is a ValidationException.
   */
  private updateItem(region: string, request: Record<string, unknown>): Record<string, unknown> {
    const table = this.table(region, request.TableName);
    const key = keyOf(table, request.Key, 'key');
    const old = table.items.get(key);
    const names = (request.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (request.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
    const used = { names: new Set<string>(), values: new Set<string>() };
    const { item, updated } = applyUpdate(
      String(request.UpdateExpression ?? ''),
      old ?? { ...(request.Key as Item) },
      { names, values },
      used,
    );
    const inKey = table.keyAttributes.find((name) => updated.has(name));
    if (inKey) throw validation(`Cannot update attribute ${inKey}. This attribute is part of the key`);
    if (typeof request.ConditionExpression === 'string') {
      const placeholders = new Set(request.ConditionExpression.match(/[#:][A-Za-z0-9_]+/g) ?? []);
      const only = <T>(all: Record<string, T>) =>
        Object.fromEntries(Object.entries(all).filter(([p]) => placeholders.has(p)));
      for (const p of placeholders) (p.startsWith('#') ? used.names : used.values).add(p);
      checkCondition(
        { ...request, ExpressionAttributeNames: only(names), ExpressionAttributeValues: only(values) },
        old,
      );
    }
    const unusedNames = Object.keys(names).filter((n) => !used.names.has(n));
    const unusedValues = Object.keys(values).filter((v) => !used.values.has(v));
    if (unusedNames.length > 0)
      throw validation(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames}}`);
    if (unusedValues.length > 0)
      throw validation(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues}}`);
    checkSize(item);
    table.items.set(key, item);
    const pick = (from: Item | undefined) =>
      Object.fromEntries(Object.entries(from ?? {}).filter(([name]) => updated.has(name)));
    const returned: Record<string, Item | undefined> = {
      ALL_OLD: old,
      ALL_NEW: item,
      UPDATED_OLD: pick(old),
      UPDATED_NEW: pick(item),
    };
    const attributes = returned[String(request.ReturnValues ?? 'NONE')];
    return attributes && Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
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
