import { type AttributeValue, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { wrapAwsError } from '../shared/contracts/errors';
import type { Plan, RoundState } from '../shared/contracts/state';
import { plannedServiceArn, type WaitKind, type WakeOutput, waitKey, wakeKey } from '../shared/event-wait';
import type { EventWaitDeps } from '../shared/event-wait-deps';
import { mapWithConcurrency } from '../shared/map-with-concurrency';

/** Park Wait's payload: the Task's own token, the plan, and the check round it follows. */
export interface ParkInput {
  taskToken: string;
  executionArn: string;
  /** Which loop waits: it decides which events end the wait (lambdas/wake). @default 'drain' */
  kind?: WaitKind;
  plan: Pick<Plan, 'services'>;
  /** The last check round: its `pending` services are the ones parked (absent: every planned service). */
  round?: Pick<RoundState, 'pending'> | null;
  /** The Task's TimeoutSeconds: the items need not outlive it by much. */
  waitSeconds: number;
}

export interface ParkResult {
  parked: number;
  /** Every parked service had reported, or a failure came, before the park: the Task was ended at once. */
  missed: boolean;
}

export type ParkDeps = EventWaitDeps;

// PutItem calls in flight: a park is one write per parked service, rarely hundreds.
const PUT_CONCURRENCY = 16;
// The items outlive the wait by this much, for a Wake already reading one as the wait times out.
const EXPIRY_MARGIN_SECONDS = 300;

/** SendTaskSuccess's answers for a token whose Task no longer waits (as lambdas/wake/core.ts). */
const CLOSED_TOKEN = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

const S = (value: string): AttributeValue => ({ S: value });

/**
 * Park Wait (the drain and gate loops' `.waitForTaskToken` Task): parks this Task's token for the services
 * the last check round still waits for, so that Wake ends the wait once every one of them has
 * reported (or at once on a failure); then drops the services that reported since the last park
 * (their event came while checking) and ends the wait itself if none is left.
 * Its return value is discarded: the Task's output is what SendTaskSuccess sends
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token).
 */
export async function parkWait(input: ParkInput, deps: ParkDeps): Promise<ParkResult> {
  const nowSeconds = Math.floor(deps.now().getTime() / 1000);
  const expiresAt = { N: String(nowSeconds + Math.ceil(input.waitSeconds) + EXPIRY_MARGIN_SECONDS) };
  const services = parkedServices(input);
  const key = { pk: S(waitKey(input.executionArn)) };
  const kind = S(input.kind ?? 'drain');

  // One atomic write starts the wait and takes what was reported before it: an event is either
  // applied to this wait by Wake (after) or found here (before), never lost in between.
  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
  const started = await send(`park the ${input.kind ?? 'drain'}'s wait of ${input.executionArn}`, () =>
    deps.dynamodb.send(
      new UpdateItemCommand({
        TableName: deps.tableName,
        Key: key,
        UpdateExpression:
          'SET #token = :token, #kind = :kind, #services = :services, #expiresAt = :expiresAt REMOVE #reported, #decisive, #decisiveService',
        ExpressionAttributeNames: {
          '#token': 'token',
          '#kind': 'kind',
          '#services': 'services',
          '#expiresAt': 'expiresAt',
          '#reported': 'reported',
          '#decisive': 'decisive',
          '#decisiveService': 'decisiveService',
        },
        ExpressionAttributeValues: {
          ':token': S(input.taskToken),
          ':kind': kind,
          ':services': { SS: services },
          ':expiresAt': expiresAt,
        },
        ReturnValues: 'ALL_OLD',
      }),
    ),
  );
  // Written after the wait item: a Wake that finds this execution here finds its wait too.
  await mapWithConcurrency(services, PUT_CONCURRENCY, (service) =>
    send(`park the ${input.kind ?? 'drain'}'s wait on ${service}`, () =>
      deps.dynamodb.send(
        new PutItemCommand({
          TableName: deps.tableName,
          Item: { pk: S(wakeKey(service)), owner: S(input.executionArn), kind, expiresAt },
        }),
      ),
    ),
  );

  const before = started.Attributes ?? {};
  const fresh = Number(before.expiresAt?.N ?? 0) >= nowSeconds;
  const decisive = fresh ? before.decisive?.S : undefined;
  if (decisive) {
    await end(input.taskToken, { woke: 'failure', event: decisive, service: before.decisiveService?.S ?? '' }, deps);
    return { parked: services.length, missed: true };
  }
  const reported = new Set(fresh ? (before.reported?.SS ?? []) : []);
  const gone = services.filter((service) => reported.has(service));
  if (gone.length === 0) return { parked: services.length, missed: false };

  const taken = await send(`drop the services that reported before the park of ${input.executionArn}`, () =>
    deps.dynamodb.send(
      new UpdateItemCommand({
        TableName: deps.tableName,
        Key: key,
        UpdateExpression: 'DELETE #services :gone',
        ExpressionAttributeNames: { '#services': 'services' },
        ExpressionAttributeValues: { ':gone': { SS: gone } },
        ReturnValues: 'ALL_OLD',
      }),
    ),
  );
  // Whoever takes the last service out ends the wait: this park, or Wake for a later event.
  const left = taken.Attributes?.services?.SS ?? [];
  if (left.length === 0 || !left.every((service) => reported.has(service))) {
    return { parked: services.length, missed: false };
  }
  await end(input.taskToken, { woke: 'missed', event: 'reported while checking', service: gone[0] ?? '' }, deps);
  return { parked: services.length, missed: true };
}

/**
 * The long ARNs of the services the last round still waits for (`round.pending`, positions in
 * `plan.services`); every planned service when the round names none.
 */
function parkedServices(input: ParkInput): string[] {
  const pending = input.round?.pending;
  const chosen = pending?.length
    ? pending.flatMap((position) => input.plan.services[position] ?? [])
    : input.plan.services;
  const arns = (chosen.length > 0 ? chosen : input.plan.services).map(plannedServiceArn);
  return [...new Set(arns)];
}

async function end(taskToken: string, output: WakeOutput, deps: ParkDeps): Promise<void> {
  try {
    await deps.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
  } catch (error) {
    // Wake may end this wait between the park and this call (a later event): the token is then
    // closed, and the wait is over as wanted. Failing here would fail the Task and send the drain
    // to its fallback Wait. https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
    if (!(error instanceof Error) || !CLOSED_TOKEN.has(error.name)) {
      throw wrapAwsError('end the wait at once (the services reported while checking)', error, Error);
    }
  }
}

async function send<T>(context: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw wrapAwsError(context, error, Error);
  }
}
