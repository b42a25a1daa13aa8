import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { clusterName } from './aws/ecs-names';
import { isTransientAwsError, TransientAwsError, wrapAwsError } from './contracts/errors';
import type { Plan } from './contracts/state';
import { mapWithConcurrency } from './map-with-concurrency';

/**
 * The deployment lock: one DynamoDB item per service and scheduled-task rule, written with a
 * condition, so that of two executions deploying the same target at the same moment exactly one
 * gets it. DynamoDB's conditional writes are checked against the item's current state (strongly
 * consistent), where ListExecutions is only eventually consistent.
 *
 * Items (partition key `pk`; `expiresAt` is the table's TTL attribute, epoch seconds):
 * - `<target key>` (lockTargets, below): `owner` (the execution ARN), `gitsha`, `target` (its label).
 * - `execution#<execution ARN>`: `owner` and `targets`, every key it takes, written before any of
 *   them, so the execution's ARN alone is enough to release them (abort paths know nothing else).
 */
export interface LockStore {
  dynamodb: DynamoDBClient;
  tableName: string;
  now: () => Date;
}

/** Who holds a target. */
export interface LockHolder {
  label: string;
  executionArn: string;
  gitsha: string;
}

export type LockOutcome =
  | { kind: 'acquired' }
  /** Nothing is held any more (what was taken is released); `everyTargetHeld`: by others, all of them. */
  | { kind: 'held'; holders: LockHolder[]; everyTargetHeld: boolean };

export interface LockRequest {
  executionArn: string;
  gitsha: string;
  targets: readonly LockTarget[];
  /** How long the items live: the execution's maximum duration (the state machine's timeout). */
  ttlSeconds: number;
}

// TransactWriteItems takes at most 100 actions
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
export const TRANSACTION_ITEMS = 100;
// DeleteItem calls of one release at a time: a release is a handful of items, rarely hundreds.
const RELEASE_CONCURRENCY = 10;

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });
const executionKey = (executionArn: string) => `execution#${executionArn}`;

/**
 * Takes every target, or none. Targets are taken in key order, 100 to a transaction: a plan of
 * up to 100 targets is one all-or-nothing TransactWriteItems; a larger one is taken in sorted
 * chunks, and when a chunk is refused every chunk taken before it is released again. Two
 * executions taking the same keys in the same order cannot each hold what the other needs, so
 * of two overlapping executions at least one is refused entirely and changes nothing.
 *
 * A target is free when it has no item, when its item has expired (TTL deletion is lazy: an
 * expired item may linger for days), or when this execution already holds it (a retried Prepare).
 */
export async function acquireLock(store: LockStore, request: LockRequest): Promise<LockOutcome> {
  const nowSeconds = Math.floor(store.now().getTime() / 1000);
  const expiresAt = nowSeconds + Math.ceil(request.ttlSeconds);
  const { executionArn } = request;
  const keys = request.targets.map((target) => target.key);
  await send(`record the deployment lock of ${executionArn}`, () =>
    store.dynamodb.send(
      new PutItemCommand({
        TableName: store.tableName,
        Item: {
          pk: S(executionKey(executionArn)),
          owner: S(executionArn),
          targets: { L: keys.map(S) },
          expiresAt: N(expiresAt),
        },
      }),
    ),
  );
  for (let start = 0; start < request.targets.length; start += TRANSACTION_ITEMS) {
    const chunk = request.targets.slice(start, start + TRANSACTION_ITEMS);
    const holders = await takeChunk(store, request, chunk, { nowSeconds, expiresAt });
    if (holders === null) continue;
    await releaseLock(store, executionArn);
    const rest = request.targets.slice(start + TRANSACTION_ITEMS);
    const everyTargetHeld =
      start === 0 && holders.length === chunk.length && (await allHeld(store, request, rest, nowSeconds, holders));
    return { kind: 'held', holders, everyTargetHeld };
  }
  return { kind: 'acquired' };
}

/** null when the chunk was taken; else who holds which of its targets. */
async function takeChunk(
  store: LockStore,
  request: LockRequest,
  chunk: readonly LockTarget[],
  times: { nowSeconds: number; expiresAt: number },
): Promise<LockHolder[] | null> {
  try {
    await store.dynamodb.send(
      new TransactWriteItemsCommand({
        TransactItems: chunk.map((target) => ({
          Put: {
            TableName: store.tableName,
            Item: {
              pk: S(target.key),
              owner: S(request.executionArn),
              gitsha: S(request.gitsha),
              target: S(target.label),
              expiresAt: N(times.expiresAt),
            },
            // `owner` is a DynamoDB reserved word: every name goes through a placeholder.
            ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now OR #owner = :me',
            ExpressionAttributeNames: { '#pk': 'pk', '#expiresAt': 'expiresAt', '#owner': 'owner' },
            ExpressionAttributeValues: { ':now': N(times.nowSeconds), ':me': S(request.executionArn) },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        })),
      }),
    );
    return null;
  } catch (error) {
    const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
    const refused = reasons.filter((reason) => reason.Code === 'ConditionalCheckFailed');
    // Any other reason (TransactionConflict with a concurrent transaction, throttling) is transient:
    // release what was taken, and the workflow retries Prepare.
    if (refused.length === 0 || refused.length !== reasons.filter((r) => r.Code !== 'None').length) {
      await releaseLock(store, request.executionArn);
      throw lockError(`take the deployment lock of ${chunk.length} target(s)`, error, true);
    }
    return reasons.flatMap((reason, index) =>
      reason.Code === 'ConditionalCheckFailed' ? [holderOf(reason.Item, chunk[index]?.label ?? 'a target')] : [],
    );
  }
}

/** Whether every target past the refused first chunk is held by another live execution too. */
async function allHeld(
  store: LockStore,
  request: LockRequest,
  rest: readonly LockTarget[],
  nowSeconds: number,
  holders: LockHolder[],
): Promise<boolean> {
  for (const target of rest) {
    const { Item } = await send(`read the deployment lock of ${target.label}`, () =>
      store.dynamodb.send(
        new GetItemCommand({ TableName: store.tableName, Key: { pk: S(target.key) }, ConsistentRead: true }),
      ),
    );
    const live = Item && Number(Item.expiresAt?.N ?? 0) >= nowSeconds && Item.owner?.S !== request.executionArn;
    if (!live) return false;
    holders.push(holderOf(Item, target.label));
  }
  return true;
}

function holderOf(item: Record<string, AttributeValue> | undefined, label: string): LockHolder {
  return {
    label: item?.target?.S ?? label,
    executionArn: item?.owner?.S ?? 'an unknown execution',
    gitsha: item?.gitsha?.S ?? 'an unknown SHA',
  };
}

/**
 * Releases what `executionArn` holds: idempotent, and owner-checked (an item another execution
 * took over after this one's expired is left alone). Safe from any ending: a terminal state's
 * Release Lock step, an abort or time-out path that knows only the execution's ARN, twice.
 * Returns how many target items were deleted.
 */
export async function releaseLock(store: LockStore, executionArn: string): Promise<{ released: number }> {
  const { Item } = await send(`read the deployment lock of ${executionArn}`, () =>
    store.dynamodb.send(
      new GetItemCommand({
        TableName: store.tableName,
        Key: { pk: S(executionKey(executionArn)) },
        ConsistentRead: true,
      }),
    ),
  );
  const keys = (Item?.targets?.L ?? []).flatMap((value) => (value.S ? [value.S] : []));
  const deleted = await mapWithConcurrency(keys, RELEASE_CONCURRENCY, (key) => deleteOwned(store, key, executionArn));
  const released = deleted.filter(Boolean).length;
  if (Item) await deleteOwned(store, executionKey(executionArn), executionArn);
  return { released };
}

/** Deletes the item if `owner` holds it; false when it is gone or someone else's. */
async function deleteOwned(store: LockStore, key: string, owner: string): Promise<boolean> {
  try {
    await store.dynamodb.send(
      new DeleteItemCommand({
        TableName: store.tableName,
        Key: { pk: S(key) },
        ConditionExpression: '#owner = :me',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':me': S(owner) },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
    throw lockError(`release the deployment lock of ${key}`, error, false);
  }
}

async function send<T>(context: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw lockError(context, error, false);
  }
}

/** Transient faults are retried by the workflow; anything else (AccessDenied, a missing table) is a LockError. */
function lockError(context: string, error: unknown, transient: boolean): Error {
  if (transient || isTransientAwsError(error)) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new TransientAwsError(`failed to ${context}: ${detail}`, { cause: error });
  }
  return wrapAwsError(context, error, LockError);
}

/** The lock table refused a call for a reason retrying will not fix. */
export class LockError extends Error {
  override readonly name = 'LockError';
}

/** One thing a deployment changes, as the deployment lock knows it. */
export interface LockTarget {
  /**
   * The lock item's partition key: account, region, cluster and service, or account, region, bus
   * and rule. A bare cluster name and its ARN are the same cluster; the same service name in two
   * accounts or regions is two services.
   */
  key: string;
  /** For messages: `service prod/api`, `scheduled task nightly`. */
  label: string;
}

/** The account of an ARN (`arn:partition:service:region:account:…`); null when it names none. */
export function accountOf(arn: string | null | undefined): string | null {
  const account = arn?.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : null;
}

/**
 * Every service and scheduled-task rule the plan changes, sorted by key: every execution acquires
 * them in the same order (see deploy-lock.ts). A rule's account is `role.arn`'s (the rules are
 * changed through it), else gehen's own, the execution's.
 */
export function lockTargets(plan: Plan): LockTarget[] {
  const { roleArn, executionArn } = plan.deployment;
  const ruleAccount = accountOf(roleArn) ?? accountOf(executionArn) ?? 'unknown';
  const services = plan.services.map((service) => {
    const account = accountOf(service.cluster) ?? ruleAccount;
    const cluster = clusterName(service.cluster);
    return {
      key: `service#${account}#${service.region}#${cluster}#${service.name}`,
      label: `service ${cluster}/${service.name}`,
    };
  });
  const rules = plan.scheduledTasks.map((rule) => ({
    key: `rule#${ruleAccount}#${rule.region}#${rule.eventBusName}#${rule.rule}`,
    label: `scheduled task ${rule.rule}`,
  }));
  const unique = new Map([...services, ...rules].map((target) => [target.key, target]));
  return [...unique.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
