import type { LocalLambdaFunction } from './lambda-function';
import { type AslObject, isAslObject, type Json } from './local-workflow';

/** The optimized integration (`LambdaInvoke` without payloadResponseOnly). */
export const LAMBDA_INVOKE_RESOURCE = 'arn:aws:states:::lambda:invoke';
/** EventBridge's optimized integration (https://docs.aws.amazon.com/step-functions/latest/dg/connect-eventbridge.html). */
export const PUT_EVENTS_RESOURCE = 'arn:aws:states:::events:putEvents';
/**
 * The callback pattern's suffix: the Task waits for SendTaskSuccess/Failure with the token it
 * passed on (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token).
 */
export const WAIT_FOR_TASK_TOKEN = '.waitForTaskToken';
/** The one context field the sandbox adds to the runner's: only callback Tasks may read it. */
export const TASK_TOKEN_PATH = '$$.Task.Token';

/** A Task state and what it calls: a Lambda function, or EventBridge's PutEvents. */
export interface TaskStateTarget {
  stateName: string;
  /**
   * `function`: Resource is the function ARN (payloadResponseOnly); `invoke`: lambda:invoke;
   * `putEvents`: events:putEvents (no function).
   */
  integration: 'function' | 'invoke' | 'putEvents';
  /** Resource ends with `.waitForTaskToken`: the state's result is the token's answer. */
  waitForTaskToken: boolean;
  /** The unqualified ARN or the plain name the state names; null when it cannot be known at start (or is none). */
  functionRef: string | null;
  resource: string;
  /** A callback Task's own TimeoutSeconds and HeartbeatSeconds (the sandbox, not the runner, keeps them). */
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
}

/** A Task state and the function that runs it (none for events:putEvents). */
export interface TaskBinding {
  target: TaskStateTarget;
  fn?: LocalLambdaFunction;
}

/** Every state of a definition, nested ones included (Map ItemProcessor/Iterator, Parallel Branches). */
export function* walkStates(definition: AslObject): Generator<[name: string, state: AslObject]> {
  const states = definition.States;
  if (!isAslObject(states)) return;
  for (const [name, state] of Object.entries(states)) {
    if (!isAslObject(state)) continue;
    yield [name, state];
    for (const nested of nestedDefinitions(state)) yield* walkStates(nested);
  }
}

export function nestedDefinitions(state: AslObject): AslObject[] {
  const nested: AslObject[] = [];
  if (isAslObject(state.ItemProcessor)) nested.push(state.ItemProcessor);
  if (isAslObject(state.Iterator)) nested.push(state.Iterator);
  if (Array.isArray(state.Branches)) nested.push(...state.Branches.filter(isAslObject));
  return nested;
}

export function taskStateTargets(definition: AslObject): TaskStateTarget[] {
  const targets: TaskStateTarget[] = [];
  for (const [stateName, state] of walkStates(definition)) {
    if (state.Type !== 'Task') continue;
    const resource = typeof state.Resource === 'string' ? state.Resource : '';
    const waitForTaskToken = resource.endsWith(WAIT_FOR_TASK_TOKEN);
    const base = waitForTaskToken ? resource.slice(0, -WAIT_FOR_TASK_TOKEN.length) : resource;
    if (resource.startsWith('arn:aws:lambda:')) {
      const functionRef = unqualifiedFunctionArn(resource);
      targets.push({ stateName, integration: 'function', waitForTaskToken: false, functionRef, resource });
    } else if (base === LAMBDA_INVOKE_RESOURCE) {
      const parameters = isAslObject(state.Parameters) ? state.Parameters : {};
      const name = parameters.FunctionName;
      targets.push({
        stateName,
        integration: 'invoke',
        waitForTaskToken,
        functionRef: typeof name === 'string' ? unqualifiedFunctionArn(name) : null,
        resource,
        ...callbackTimeouts(state, waitForTaskToken),
      });
    } else if (base === PUT_EVENTS_RESOURCE) {
      const timeouts = callbackTimeouts(state, waitForTaskToken);
      targets.push({ stateName, integration: 'putEvents', waitForTaskToken, functionRef: null, resource, ...timeouts });
    } else {
      targets.push({ stateName, integration: 'function', waitForTaskToken: false, functionRef: null, resource });
    }
  }
  return targets;
}

function callbackTimeouts(
  state: AslObject,
  waitForTaskToken: boolean,
): Pick<TaskStateTarget, 'timeoutSeconds' | 'heartbeatSeconds'> {
  if (!waitForTaskToken) return {};
  const seconds = (value: Json | undefined) => (typeof value === 'number' ? value : undefined);
  return { timeoutSeconds: seconds(state.TimeoutSeconds), heartbeatSeconds: seconds(state.HeartbeatSeconds) };
}

/** `arn:aws:lambda:r:a:function:name:alias` → `arn:aws:lambda:r:a:function:name`; names pass through. */
export function unqualifiedFunctionArn(ref: string): string {
  if (!ref.startsWith('arn:')) return ref.split(':')[0] ?? ref;
  return ref.split(':').slice(0, 7).join(':');
}

/**
 * A copy of the definition where every Task without its own TimeoutSeconds(Path) gets `seconds`:
 * the runner otherwise gives Tasks 60 s, where AWS lets a Lambda Task run until the function's
 * own timeout.
 */
export function withTaskTimeouts(definition: AslObject, seconds: number): AslObject {
  // JSON, not structuredClone: the runner resolves a nested payload template (`"a": {"b.$": …}`) only
  // in objects whose prototype is this realm's Object.prototype, and structuredClone builds them in
  // Node's own realm — under Jest's vm context that left nested `.$` keys unresolved, as AWS never
  // does (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html).
  const copy = JSON.parse(JSON.stringify(definition)) as AslObject;
  for (const [, state] of walkStates(copy)) {
    if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = seconds satisfies Json;
    }
  }
  return copy;
}
