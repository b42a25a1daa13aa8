import { randomUUID } from 'node:crypto';
import { checkPayload } from './execution-limits';
import type { LocalLambdaFunction } from './lambda-function';
import { isAslObject, type Json } from './local-workflow';
import type { TaskAttempts } from './task-attempts';
import type { TaskStateTarget } from './task-states';

export interface TaskBinding {
  target: TaskStateTarget;
  fn: LocalLambdaFunction;
}

type LocalHandler = (input: Json) => Promise<Json>;

/**
 * The runner's `taskResourceLocalHandlers` (keyed by state name) for one execution: each calls
 * its Task's function as Step Functions would and records the attempt for the history. A
 * function error rejects with a LambdaFunctionError, whose `name` the runner matches against
 * Retry and Catch `ErrorEquals`, exactly as AWS matches the Lambda `errorType`.
 */
export function taskHandlers(
  tasks: ReadonlyMap<string, TaskBinding>,
  attempts: TaskAttempts,
): Record<string, LocalHandler> {
  const handlers: Record<string, LocalHandler> = {};
  for (const [stateName, { target, fn }] of tasks) {
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

/** What `arn:aws:states:::lambda:invoke` returns: the Invoke response, the function's result in Payload. */
function invokeResult(payload: Json): Json {
  const requestId = randomUUID();
  const headers = {
    'Content-Type': 'application/json',
    'X-Amz-Executed-Version': '$LATEST',
    'x-amzn-RequestId': requestId,
  };
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
      HttpHeaders: headers,
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}
