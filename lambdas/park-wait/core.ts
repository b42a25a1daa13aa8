import { type AttributeValue, DeleteItemCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { wrapAwsError } from '../shared/contracts/errors';
import type { Plan } from '../shared/contracts/state';
import { missedKey, plannedServiceArn, type WakeOutput, wakeKey } from '../shared/event-wait';
import { mapWithConcurrency } from '../shared/map-with-concurrency';

/** Park Wait's payload: the Task's own token and the plan whose services it waits on. */
export interface ParkInput {
  taskToken: string;
  executionArn: string;
  plan: Pick<Plan, 'services'>;
  /** The Task's TimeoutSeconds: the wake items need not outlive it by much. */
  waitSeconds: number;
}

export interface ParkResult {
  parked: number;
  /** An event had come since the last park: the Task was ended at once. */
  missed: boolean;
}

export interface ParkDeps {
  dynamodb: DynamoDBClient;
  sfn: SFNClient;
  tableName: string;
  now: () => Date;
}

// PutItem calls in flight: a park is one write per planned service, rarely hundreds.
const PUT_CONCURRENCY = 16;
// The wake items outlive the wait by this much, for a Wake already reading one as the wait times out.
const EXPIRY_MARGIN_SECONDS = 300;

/** SendTaskSuccess's answers for a token whose Task no longer waits (as lambdas/wake/core.ts). */
const CLOSED_TOKEN = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

const S = (value: string): AttributeValue => ({ S: value });

/**
 * Park Wait (the drain loops' `.waitForTaskToken` Task): records this Task's token under every
 * planned service, so that Wake can end the wait when ECS reports on one of them; then, if an
 * event came while the execution was not parked (Wake recorded `missed#`), ends the wait itself.
 * Its return value is discarded: the Task's output is what SendTaskSuccess sends
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token).
 */
export async function parkWait(input: ParkInput, deps: ParkDeps): Promise<ParkResult> {
  const nowSeconds = Math.floor(deps.now().getTime() / 1000);
  const expiresAt = String(nowSeconds + Math.ceil(input.waitSeconds) + EXPIRY_MARGIN_SECONDS);
  const services = input.plan.services.map(plannedServiceArn);
  await mapWithConcurrency(services, PUT_CONCURRENCY, (service) =>
    send(`park the drain's wait on ${service}`, () =>
      deps.dynamodb.send(
        new PutItemCommand({
          TableName: deps.tableName,
          Item: {
            pk: S(wakeKey(service)),
            token: S(input.taskToken),
            owner: S(input.executionArn),
            expiresAt: { N: expiresAt },
          },
        }),
      ),
    ),
  );

  // Written by Wake for an event it could not deliver: this execution was checking, not parked.
  // Read after the wake items are written, so that an event is either delivered or found here.
  const missed = await send(`read the missed events of ${input.executionArn}`, () =>
    deps.dynamodb.send(
      new DeleteItemCommand({
        TableName: deps.tableName,
        Key: { pk: S(missedKey(input.executionArn)) },
        ReturnValues: 'ALL_OLD',
      }),
    ),
  );
  const record = missed.Attributes;
  if (!record || Number(record.expiresAt?.N ?? 0) < nowSeconds) return { parked: services.length, missed: false };

  const output: WakeOutput = { woke: 'missed', event: record.event?.S ?? '', service: record.service?.S ?? '' };
  try {
    await deps.sfn.send(new SendTaskSuccessCommand({ taskToken: input.taskToken, output: JSON.stringify(output) }));
  } catch (error) {
    // Wake may end this wait between the wake items' write and this call (another service's event):
    // the token is then closed, and the wait is over as wanted. Failing here would fail the Task and
    // send the drain to its fallback Wait (measured: docs/performance.md, "Waiting on ECS events").
    // https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
    if (!(error instanceof Error) || !CLOSED_TOKEN.has(error.name)) {
      throw wrapAwsError('end the wait at once (an event came while checking)', error, Error);
    }
  }
  return { parked: services.length, missed: true };
}

async function send<T>(context: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw wrapAwsError(context, error, Error);
  }
}
