import { callbackInput, withToken } from './callback-definition';
import { invokeResult } from './lambda-invoke-result';
import { isAslObject, type Json } from './local-workflow';
import type { TaskAttempts } from './task-attempts';
import type { TaskBinding } from './task-states';
import { CallbackTaskError, type TaskTokens } from './task-tokens';

/** What a callback Task needs of its execution and of the sandbox around it. */
export interface CallbackContext {
  tokens: TaskTokens;
  stateMachineArn: string;
  executionArn: string;
  /** EventBridge's PutEvents in-process: the response, as the API answers it. */
  putEvents: (entries: Json[]) => Promise<Json>;
}

/**
 * The runner's handler for one `.waitForTaskToken` Task state: each attempt gets a fresh token,
 * makes its call (Lambda Invoke with the Payload, or PutEvents with the Entries), records
 * TaskSubmitted with the call's response, and then waits for the token's answer: its result is
 * SendTaskSuccess's output (the Invoke's own result is ignored), SendTaskFailure's error and cause,
 * or States.Timeout / States.HeartbeatTimeout
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token).
 */
export function callbackHandler(
  binding: TaskBinding,
  attempts: TaskAttempts,
  context: CallbackContext,
): (input: Json) => Promise<Json> {
  const { target } = binding;
  return async (input) => {
    const given = callbackInput(input);
    const wait = context.tokens.issue({
      stateMachineArn: context.stateMachineArn,
      executionArn: context.executionArn,
      stateName: target.stateName,
      timeoutSeconds: given.timeoutSeconds ?? target.timeoutSeconds,
      heartbeatSeconds: given.heartbeatSeconds ?? target.heartbeatSeconds,
    });
    const parameters = withToken(given.parameters, wait.token);
    const attempt = attempts.started({
      stateName: target.stateName,
      integration: target.integration,
      waitForTaskToken: true,
      resource: target.resource,
      input: parameters,
      parameters,
      timeoutSeconds: wait.options.timeoutSeconds,
      heartbeatSeconds: wait.options.heartbeatSeconds,
    });
    const submitted = submit(binding, parameters, context).then((output) => {
      attempt.submitted = { output, at: new Date() };
      attempt.onSubmitted?.();
    });
    try {
      // The call and the answer race the timeouts together: a call still running when TimeoutSeconds
      // passes times the Task out too.
      const [, output] = await Promise.all([submitted, wait.result]);
      attempt.outcome = { ok: true, output, at: new Date() };
      return output;
    } catch (error) {
      wait.close();
      attempt.outcome = { ok: false, at: new Date() };
      throw error;
    }
  };
}

async function submit(binding: TaskBinding, parameters: Json, context: CallbackContext): Promise<Json> {
  const request = isAslObject(parameters) ? parameters : {};
  if (binding.target.integration === 'putEvents') {
    const entries = Array.isArray(request.Entries) ? request.Entries : [];
    const response = await context.putEvents(entries.map(asPutEventsEntry));
    // "If the FailedEntryCount is greater than zero, the task fails with EventBridge.FailedEntry"
    // (https://docs.aws.amazon.com/step-functions/latest/dg/connect-eventbridge.html).
    if (isAslObject(response) && typeof response.FailedEntryCount === 'number' && response.FailedEntryCount > 0) {
      throw new CallbackTaskError('EventBridge.FailedEntry', JSON.stringify(response));
    }
    return response;
  }
  const fn = binding.fn;
  if (fn === undefined)
    throw new CallbackTaskError('States.Runtime', `Task ${binding.target.stateName} has no function`);
  const payload = request.Payload ?? {};
  if (request.InvocationType === 'Event') {
    // Asynchronous Invoke: Lambda queues the event and answers 202 at once
    // (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html); a failure reaches no one.
    fn.invoke(payload).catch(() => undefined);
    return { ...invokeResult(null), Payload: '', StatusCode: 202 };
  }
  // RequestResponse: a function error fails the Task as it does without the callback.
  return invokeResult(await fn.invoke(payload));
}

/** A PutEvents entry as the API takes it: the Task's Detail is JSON, the API's a JSON text. */
function asPutEventsEntry(entry: Json): Json {
  if (!isAslObject(entry)) return entry;
  const detail = entry.Detail;
  return {
    ...entry,
    ...(detail !== undefined && typeof detail !== 'string' ? { Detail: JSON.stringify(detail) } : {}),
  };
}
