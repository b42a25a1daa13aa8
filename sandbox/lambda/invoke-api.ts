import type { ExtraRoute } from '../server';
import { LambdaFunctionError, type LambdaRuntimeOptions, LocalLambdaFunction } from '../stepfunctions/lambda-function';
import type { Json, LambdaFunctionSpec } from '../stepfunctions/local-workflow';

/** `POST /2015-03-31/functions/{FunctionName}/invocations`, FunctionName URL-encoded. */
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

type RouteAnswer = Awaited<ReturnType<ExtraRoute>>;

/**
 * Lambda's Invoke API for the workflow's functions, on the sandbox endpoint: what the moto engine's
 * interpreter calls for every Task, and what anyone with lambda:InvokeFunction can call directly
 * (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html). Each function runs its real
 * bundle (LocalLambdaFunction), its AWS SDK calls coming back to the sandbox.
 *
 * The route exists before the sandbox listens; the functions only once `bind` gives them the
 * endpoint. Until then every function is "not found".
 */
export class LambdaInvokeApi {
  private readonly functions = new Map<string, LocalLambdaFunction>();

  /** Creates the functions (their workers start on first invocation). */
  bind(specs: readonly LambdaFunctionSpec[], runtime: LambdaRuntimeOptions): void {
    for (const spec of specs) this.functions.set(spec.functionName, new LocalLambdaFunction(spec, runtime));
  }

  readonly route: ExtraRoute = async ({ method, path, body, headers }) => {
    const match = INVOKE_PATH.exec(path);
    if (!match || method !== 'POST') return undefined;
    const name = decodeURIComponent(match[1] ?? '');
    const fn = this.functions.get(functionNameOf(name));
    if (!fn) return lambdaError(404, 'ResourceNotFoundException', `Function not found: ${name}`);
    let event: Json;
    try {
      event = body.trim() === '' ? {} : (JSON.parse(body) as Json);
    } catch (error) {
      return lambdaError(
        400,
        'InvalidRequestContentException',
        `Could not parse request body into json: ${(error as Error).message}`,
      );
    }
    const invocationType = String(headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (invocationType === 'DryRun') return { status: 204 };
    if (invocationType === 'Event') {
      // Asynchronous invocation: Lambda queues the event and answers 202 at once; without a
      // destination or DLQ configured (the stack configures none) a failure goes to the function's
      // logs only (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html).
      fn.invoke(event).catch(() => undefined);
      return { status: 202 };
    }
    if (invocationType !== 'RequestResponse') {
      return lambdaError(400, 'InvalidParameterValueException', `Invalid InvocationType: ${invocationType}`);
    }
    return invoke(fn, event);
  };

  /**
   * An asynchronous invocation from inside the sandbox (an EventBridge rule's Lambda target):
   * queued and answered at once, its failure going to the function's logs only
   * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html). False when no such function.
   */
  invokeAsync(functionNameOrArn: string, event: Json): boolean {
    const fn = this.functions.get(functionNameOf(functionNameOrArn));
    fn?.invoke(event).catch(() => undefined);
    return fn !== undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.functions.values()].map((fn) => fn.close()));
  }
}

async function invoke(fn: LocalLambdaFunction, event: Json): Promise<RouteAnswer> {
  const headers = { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST' };
  try {
    const result = await fn.invoke(event);
    return { status: 200, headers, body: JSON.stringify(result ?? null) };
  } catch (error) {
    if (!(error instanceof LambdaFunctionError)) throw error;
    // A function error is still a successful Invoke: 200, with X-Amz-Function-Error naming it
    // Unhandled and the runtime's {errorType, errorMessage, trace} as the payload
    // (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_ResponseSyntax).
    return { status: 200, headers: { ...headers, 'X-Amz-Function-Error': 'Unhandled' }, body: error.payload };
  }
}

/** FunctionName as Invoke takes it: a name, `account:function:name` or the ARN, maybe qualified. */
function functionNameOf(given: string): string {
  const arn = /^(?:arn:aws[\w-]*:lambda:[\w-]+:)?\d{12}:function:([\w-]+)(?::[\w$-]+)?$/.exec(given);
  if (arn?.[1]) return arn[1];
  return given.replace(/:[\w$-]+$/, '');
}

/** Lambda's REST-JSON errors: the type in `x-amzn-ErrorType` (what the SDK reads), `{Type, message}`. */
function lambdaError(status: number, type: string, message: string): RouteAnswer {
  return {
    status,
    headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type },
    body: { Type: 'User', message },
  };
}
