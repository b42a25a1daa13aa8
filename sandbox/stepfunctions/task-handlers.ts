import { type CallbackContext, callbackHandler } from './callback-tasks';
import { checkPayload } from './execution-limits';
import { invokeResult } from './lambda-invoke-result';
import { isAslObject, type Json } from './local-workflow';
import type { TaskAttempts } from './task-attempts';
import type { TaskBinding } from './task-states';

type LocalHandler = (input: Json) => Promise<Json>;

/**
 * The runner's `taskResourceLocalHandlers` (keyed by state name) for one execution: each calls
 * its Task's function as Step Functions would and records the attempt for the history. A
 * function error rejects with a LambdaFunctionError, whose `name` the runner matches against
 * Retry and Catch `ErrorEquals`, exactly as AWS matches the Lambda `errorType`. Callback Tasks
 * (`.waitForTaskToken`) wait for their token instead (callback-tasks.ts).
 */
export function taskHandlers(
  tasks: ReadonlyMap<string, TaskBinding>,
  attempts: TaskAttempts,
  callbacks: CallbackContext,
): Record<string, LocalHandler> {
  const handlers: Record<string, LocalHandler> = {};
  for (const [stateName, binding] of tasks) {
    const { target, fn } = binding;
    if (target.waitForTaskToken) {
      handlers[stateName] = callbackHandler(binding, attempts, callbacks);
      continue;
    }
    if (fn === undefined) continue; // events:putEvents without the callback: refused by the check
    handlers[stateName] = (input) => {
      const event = target.integration === 'invoke' ? invokePayload(input) : input;
      const attempt = attempts.started({
        stateName,
        integration: target.integration,
        resource: target.resource,
        input: event,
        parameters: input,
        timeoutSeconds: fn.timeoutSeconds,
      });
      return fn.invoke(event).then(
        (output) => {
          const result = target.integration === 'invoke' ? invokeResult(output) : output;
          try {
            // The result over 256 KiB fails the execution, uncaught; AWS names the function's ARN.
            checkPayload(result, target.integration === 'invoke' ? stateName : target.resource, 'returned a result');
          } catch (error) {
            attempt.outcome = { ok: false, at: new Date() };
            throw error;
          }
          attempt.outcome = { ok: true, output, at: new Date() };
          return result;
        },
        (error: unknown) => {
          attempt.outcome = { ok: false, at: new Date() };
          throw error;
        },
      );
    };
  }
  return handlers;
}

function invokePayload(parameters: Json): Json {
  return isAslObject(parameters) && parameters.Payload !== undefined ? parameters.Payload : {};
}
