import {
  type AttributeValue,
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { wrapAwsError } from '../shared/contracts/errors';
import { longServiceArn, WAIT_KINDS, type WaitKind, type WakeOutput, waitKey, wakeKey } from '../shared/event-wait';
import type { EventWaitDeps } from '../shared/event-wait-deps';

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
  /** Services recorded as reported without ending a wait: another parked service has not reported yet, or the execution is checking. */
  reported: number;
}

export type WakeDeps = EventWaitDeps;

/**
 * What an ECS event means to a wait of `kind`, from AWS's lists of the events
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_events.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/pause-lifecycle-hooks.html):
 * - `deciding`: the service has got where the wait waits for it to get. A drain: SERVICE_DEPLOYMENT_COMPLETED
 *   "is sent once a service reaches a steady state after a deployment"; SERVICE_STEADY_STATE says
 *   the same as a service action (ECS sends both for one change). A gate: `ECS Hook State Change`
 *   HOOK_AWAITING_ACTION, sent when a PAUSE hook starts holding the deployment (whichever stage: the
 *   round after it tells the gate's stage from another).
 * - `decisive`: the round will fail, whatever the other services do: SERVICE_DEPLOYMENT_FAILED
 *   (the circuit breaker, an alarm or a hook's timeout failed the deployment; the rollback ECS then
 *   starts is a SERVICE_DEPLOYMENT_IN_PROGRESS that follows it), for both kinds.
 * - anything else (a deployment starting, a rollback's start, task start impaired, a hook's state
 *   for a drain, a completion for a gate) decides nothing the wait waits for: it leaves the wait
 *   alone, for the safety net or the deadline.
 */
export function eventMeaning(event: EcsEvent, kind: WaitKind = 'drain'): 'deciding' | 'decisive' | null {
  const name = event.detail?.eventName;
  if (event['detail-type'] === 'ECS Deployment State Change') {
    if (name === 'SERVICE_DEPLOYMENT_FAILED') return 'decisive';
    if (kind === 'drain' && name === 'SERVICE_DEPLOYMENT_COMPLETED') return 'deciding';
  }
  if (kind === 'drain' && event['detail-type'] === 'ECS Service Action' && name === 'SERVICE_STEADY_STATE') {
    return 'deciding';
  }
  if (kind === 'gate' && event['detail-type'] === 'ECS Hook State Change' && name === 'HOOK_AWAITING_ACTION') {
    return 'deciding';
  }
  return null;
}

/**
 * SendTaskSuccess's answers for a token whose Task is no longer waiting: it timed out (the safety
 * net's round is running), was already ended, or its execution ended
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html).
 */
const CLOSED_TOKEN = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

const S = (value: string): AttributeValue => ({ S: value });

/**
 * Wake (the target of the `aws.ecs` rule): for each service the event names, takes the service out
 * of the wait of the execution that parked it, and records it as reported — one atomic UpdateItem
 * (DELETE from the `services` set, ADD to `reported`, returning the item as it was:
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html). The wait
 * ends when this takes its last parked service out (the next round then decides them all), or at
 * once on a decisive failure. A service that reports while its execution checks is in `reported`,
 * which the next park drops: an event between a check's read and the next park is never lost.
 */
export async function wake(event: EcsEvent, deps: WakeDeps): Promise<WakeResult> {
  const result: WakeResult = { woken: 0, reported: 0 };
  // Nothing any kind of wait waits for: no read at all.
  if (WAIT_KINDS.every((kind) => eventMeaning(event, kind) === null)) return result;
  const name = event.detail?.eventName;
  const described = `${event['detail-type']}${name ? ` ${name}` : ''}`;
  const nowSeconds = Math.floor(deps.now().getTime() / 1000);

  for (const service of servicesOf(event)) {
    const found = await send(`read the execution parked on ${service}`, () =>
      deps.dynamodb.send(
        new GetItemCommand({ TableName: deps.tableName, Key: { pk: S(wakeKey(service)) }, ConsistentRead: true }),
      ),
    );
    const owner = found.Item?.owner?.S;
    // TTL deletion is lazy: an expired item is a wait long over.
    if (!owner || Number(found.Item?.expiresAt?.N ?? 0) < nowSeconds) continue;
    // The kind of the wait that parked the service last decides what this event means to it.
    const kind = waitKindOf(found.Item?.kind?.S);
    const meaning = eventMeaning(event, kind);
    if (meaning === null) continue;

    const before = await report(deps, owner, kind, service, meaning === 'decisive' ? described : null);
    const token = before?.token?.S;
    if (!before || !token || Number(before.expiresAt?.N ?? 0) < nowSeconds) continue;
    const parked = before.services?.SS ?? [];
    const last = parked.length === 1 && parked[0] === service;
    if (meaning === 'deciding' && !last) {
      result.reported++;
      continue;
    }
    const output: WakeOutput = { woke: meaning === 'decisive' ? 'failure' : 'event', event: described, service };
    try {
      await deps.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
      result.woken++;
      // Delivered: the next park need not end at once for it.
      if (meaning === 'decisive') await clearDecisive(deps, owner, token);
    } catch (error) {
      if (!(error instanceof Error) || !CLOSED_TOKEN.has(error.name)) throw wrapAwsError(`wake ${owner}`, error, Error);
      // The execution is checking: the item keeps the report (and the failure) for its next park.
      result.reported++;
    }
  }
  return result;
}

/** Takes `service` out of the owner's wait and records it as reported; the item as it was, or null when there is none. */
async function report(
  deps: WakeDeps,
  owner: string,
  kind: WaitKind,
  service: string,
  decisive: string | null,
): Promise<Record<string, AttributeValue> | null> {
  try {
    const answer = await deps.dynamodb.send(
      new UpdateItemCommand({
        TableName: deps.tableName,
        Key: { pk: S(waitKey(owner)) },
        UpdateExpression: `${decisive ? 'SET #decisive = :decisive, #decisiveService = :service ' : ''}DELETE #services :service_set ADD #reported :service_set`,
        // Never creates a wait: an execution that has not parked yet has none to end. And never
        // reports to a wait of another kind: the execution parked its next loop since the `wake#`
        // item was read (a drain's wait is not ended by a hook, nor a gate's by a completion).
        ConditionExpression: 'attribute_exists(pk) AND #kind = :kind',
        ExpressionAttributeNames: {
          '#kind': 'kind',
          '#services': 'services',
          '#reported': 'reported',
          ...(decisive && { '#decisive': 'decisive', '#decisiveService': 'decisiveService' }),
        },
        ExpressionAttributeValues: {
          ':service_set': { SS: [service] },
          ':kind': S(kind),
          ...(decisive && { ':decisive': S(decisive), ':service': S(service) }),
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return answer.Attributes ?? {};
  } catch (error) {
    if (isConditionFailed(error)) return null;
    throw wrapAwsError(`record that ${service} reported, for ${owner}`, error, Error);
  }
}

/** Forgets a failure already delivered, unless a new park has replaced the wait since (its token differs). */
async function clearDecisive(deps: WakeDeps, owner: string, token: string): Promise<void> {
  try {
    await deps.dynamodb.send(
      new UpdateItemCommand({
        TableName: deps.tableName,
        Key: { pk: S(waitKey(owner)) },
        UpdateExpression: 'REMOVE #decisive, #decisiveService',
        ConditionExpression: '#token = :token',
        ExpressionAttributeNames: { '#decisive': 'decisive', '#decisiveService': 'decisiveService', '#token': 'token' },
        ExpressionAttributeValues: { ':token': S(token) },
      }),
    );
  } catch (error) {
    if (isConditionFailed(error)) return;
    throw wrapAwsError(`clear the failure delivered to ${owner}`, error, Error);
  }
}

function isConditionFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}

/** A `wake#` item's kind: items written before waits had kinds were a drain's. */
function waitKindOf(value: string | undefined): WaitKind {
  return value === 'gate' ? 'gate' : 'drain';
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
