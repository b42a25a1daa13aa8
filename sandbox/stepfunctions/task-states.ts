import { type AslObject, isAslObject, type Json } from './local-workflow';

/** The optimized integration (`LambdaInvoke` without payloadResponseOnly). */
export const LAMBDA_INVOKE_RESOURCE = 'arn:aws:states:::lambda:invoke';

/** A Task state and the Lambda function it calls. */
export interface TaskStateTarget {
  stateName: string;
  /** `function`: Resource is the function ARN (payloadResponseOnly); `invoke`: lambda:invoke. */
  integration: 'function' | 'invoke';
  /** The unqualified ARN or the plain name the state names; null when it cannot be known at start. */
  functionRef: string | null;
  resource: string;
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
    if (resource.startsWith('arn:aws:lambda:')) {
      targets.push({ stateName, integration: 'function', functionRef: unqualifiedFunctionArn(resource), resource });
    } else if (resource === LAMBDA_INVOKE_RESOURCE) {
      const parameters = isAslObject(state.Parameters) ? state.Parameters : {};
      const name = parameters.FunctionName;
      targets.push({
        stateName,
        integration: 'invoke',
        functionRef: typeof name === 'string' ? unqualifiedFunctionArn(name) : null,
        resource,
      });
    } else {
      targets.push({ stateName, integration: 'function', functionRef: null, resource });
    }
  }
  return targets;
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
