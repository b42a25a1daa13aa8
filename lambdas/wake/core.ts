import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { wrapAwsError } from '../shared/contracts/errors';
import { longServiceArn, missedKey, type WakeOutput, wakeKey } from '../shared/event-wait';

/**
 * An ECS event as EventBridge delivers it to a Lambda target: `ECS Deployment State Change`,
 * `ECS Service Action` or `ECS Hook State Change`, the service's ARN in `resources`
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_cwe_events.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_events.html).
 */
export interface EcsEvent {
  'detail-type': string;
  source: string;
  /** When ECS emitted it (ISO 8601). */
  time?: string;
  resources?: string[];
  detail?: { eventName?: string; clusterArn?: string; serviceArn?: string; [key: string]: unknown };
}

export interface WakeResult {
  /** Parked Tasks this event ended. */
  woken: number;
  /** Executions that were checking, not parked: their next park ends at once. */
  missed: number;
}

export interface WakeDeps {
  dynamodb: DynamoDBClient;
  sfn: SFNClient;
  tableName: string;
  now: () => Date;
}

/**
 * Events that say nothing a drain waits for: a deployment starting (initial or rollback; the
 * rollback's cause, SERVICE_DEPLOYMENT_FAILED, comes first and wakes).
 */
const NOT_DECIDING = new Set(['SERVICE_DEPLOYMENT_IN_PROGRESS']);

/**
 * SendTaskSuccess's answers for a token whose Task is no longer waiting: it timed out (the safety
 * net's round is running), was already ended by another event, or its execution ended
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html).
 */
const CLOSED_TOKEN = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

const S = (value: string): AttributeValue => ({ S: value });

/**
 * Wake (the target of the `aws.ecs` rule): ends the wait of the execution parked on each service
 * the event names. When that execution is not parked (it is checking), records `missed#` so that
 * its next park ends at once: an event between a check's read and the next park is never lost.
 */
export async function wake(event: EcsEvent, deps: WakeDeps): Promise<WakeResult> {
  const result: WakeResult = { woken: 0, missed: 0 };
  const name = event.detail?.eventName;
  if (name !== undefined && NOT_DECIDING.has(name)) return result;
  const described = `${event['detail-type']}${name ? ` ${name}` : ''}`;
  const nowSeconds = Math.floor(deps.now().getTime() / 1000);

  for (const service of servicesOf(event)) {
    const found = await send(`read the wait parked on ${service}`, () =>
      deps.dynamodb.send(
        new GetItemCommand({ TableName: deps.tableName, Key: { pk: S(wakeKey(service)) }, ConsistentRead: true }),
      ),
    );
    const token = found.Item?.token?.S;
    const owner = found.Item?.owner?.S;
    const expiresAt = Number(found.Item?.expiresAt?.N ?? 0);
    // TTL deletion is lazy: an expired item is a wait long over.
    if (!token || !owner || expiresAt < nowSeconds) continue;

    const output: WakeOutput = { woke: 'event', event: described, service };
    try {
      await deps.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
      await markWoken(deps, found.Item ?? {}, service, deps.now().getTime());
      result.woken++;
    } catch (error) {
      if (!(error instanceof Error) || !CLOSED_TOKEN.has(error.name)) throw wrapAwsError(`wake ${owner}`, error, Error);
      // ECS emits several events for one change (SERVICE_DEPLOYMENT_COMPLETED, SERVICE_STEADY_STATE):
      // one emitted before an earlier event woke the wait is seen by the check that wake started.
      const wokenAt = Number(found.Item?.wokenAt?.N ?? Number.NaN);
      if (emittedAt(event, deps.now()) <= wokenAt) continue;
      await send(`record a missed event for ${owner}`, () =>
        deps.dynamodb.send(
          new PutItemCommand({
            TableName: deps.tableName,
            Item: {
              pk: S(missedKey(owner)),
              event: S(described),
              service: S(service),
              expiresAt: { N: String(expiresAt) },
            },
          }),
        ),
      );
      result.missed++;
    }
  }
  return result;
}

/**
 * Records when the wait parked on `service` was ended, unless a new park has replaced it since
 * (its token differs): a later event emitted before then needs no round of its own.
 */
async function markWoken(
  deps: WakeDeps,
  item: Record<string, AttributeValue>,
  service: string,
  wokenAt: number,
): Promise<void> {
  try {
    // A conditional PutItem of the item read, not an UpdateItem: the same guarantee, and the
    // calls the lock already makes.
    await deps.dynamodb.send(
      new PutItemCommand({
        TableName: deps.tableName,
        Item: { ...item, wokenAt: { N: String(wokenAt) } },
        ConditionExpression: '#token = :token',
        ExpressionAttributeNames: { '#token': 'token' },
        ExpressionAttributeValues: { ':token': item.token ?? S('') },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException')
      return;
    throw wrapAwsError(`record the wake of ${service}`, error, Error);
  }
}

function emittedAt(event: EcsEvent, now: Date): number {
  const time = event.time ? Date.parse(event.time) : Number.NaN;
  return Number.isNaN(time) ? now.getTime() : time;
}

/** The long ARNs of the services an event names (deduplicated). */
function servicesOf(event: EcsEvent): string[] {
  const named = [...(event.resources ?? []), ...(event.detail?.serviceArn ? [event.detail.serviceArn] : [])];
  const arns = named.map((arn) => longServiceArn(arn, event.detail?.clusterArn)).filter((arn) => arn !== null);
  return [...new Set(arns)];
}

async function send<T>(context: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw wrapAwsError(context, error, Error);
  }
}
