import { type AslObject, isAslObject, type Json } from './local-workflow';
import { TASK_TOKEN_PATH, WAIT_FOR_TASK_TOKEN, walkStates } from './task-states';

/**
 * How callback Tasks (`.waitForTaskToken`) reach the runner, which knows neither `$$.Task.Token`
 * nor the callback pattern: the sandbox's Task handler does the waiting, so the definition the
 * runner runs is rewritten once, at start, rather than the runner patched.
 *
 * - `"key.$": "$$.Task.Token"` in Parameters becomes `"key": TOKEN_PLACEHOLDER`, which the handler
 *   replaces with the attempt's fresh token. AWS allows the token in the context object of such
 *   states only (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html#contextobject-token).
 * - TimeoutSecondsPath and HeartbeatSecondsPath become hidden Parameters fields, so they are read
 *   from the state's input as AWS reads them; the handler takes them out again.
 * - The runner's own timeout is made unbounded: the handler times the wait (TimeoutSeconds and
 *   HeartbeatSeconds), so it knows when a token goes stale.
 */

export const TOKEN_PLACEHOLDER = 'sandbox:task-token';
const TIMEOUT_FIELD = 'sandbox:timeoutSeconds';
const HEARTBEAT_FIELD = 'sandbox:heartbeatSeconds';

export function isCallbackState(state: AslObject): boolean {
  return state.Type === 'Task' && typeof state.Resource === 'string' && state.Resource.endsWith(WAIT_FOR_TASK_TOKEN);
}

/** A copy of the definition with its callback Tasks rewritten for the runner (see above). */
export function withCallbackStates(definition: AslObject, unboundedSeconds: number): AslObject {
  const copy = JSON.parse(JSON.stringify(definition)) as AslObject;
  for (const [, state] of walkStates(copy)) {
    if (!isCallbackState(state)) continue;
    const parameters = isAslObject(state.Parameters) ? (withPlaceholders(state.Parameters) as AslObject) : {};
    if (typeof state.TimeoutSecondsPath === 'string') parameters[`${TIMEOUT_FIELD}.$`] = state.TimeoutSecondsPath;
    if (typeof state.HeartbeatSecondsPath === 'string') parameters[`${HEARTBEAT_FIELD}.$`] = state.HeartbeatSecondsPath;
    state.Parameters = parameters;
    delete state.TimeoutSecondsPath;
    delete state.HeartbeatSeconds;
    delete state.HeartbeatSecondsPath;
    state.TimeoutSeconds = unboundedSeconds;
  }
  return copy;
}

/** Where the definition reads `$$.Task.*` other than a callback Task's `"key.$": "$$.Task.Token"`. */
export function readsTaskContextElsewhere(definition: AslObject): boolean {
  return JSON.stringify(withCallbackStates(definition, 1)).includes('$$.Task.');
}

export interface CallbackInput {
  /** The Task's effective parameters, the token still a placeholder. */
  parameters: Json;
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
}

/** The handler's input split into the Task's parameters and the timeouts read from its paths. */
export function callbackInput(input: Json): CallbackInput {
  if (!isAslObject(input)) return { parameters: input };
  const { [TIMEOUT_FIELD]: timeout, [HEARTBEAT_FIELD]: heartbeat, ...parameters } = input;
  return { parameters, timeoutSeconds: positiveInteger(timeout), heartbeatSeconds: positiveInteger(heartbeat) };
}

/** The parameters as the Task sends them: every placeholder replaced by the attempt's token. */
export function withToken(value: Json, token: string): Json {
  if (value === TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((item) => withToken(item, token));
  if (isAslObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withToken(v, token)]));
  return value;
}

function withPlaceholders(value: Json): Json {
  if (Array.isArray(value)) return value.map(withPlaceholders);
  if (!isAslObject(value)) return value;
  const out: AslObject = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key.endsWith('.$') && inner === TASK_TOKEN_PATH) out[key.slice(0, -2)] = TOKEN_PLACEHOLDER;
    else out[key] = withPlaceholders(inner);
  }
  return out;
}

function positiveInteger(value: Json | undefined): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}
