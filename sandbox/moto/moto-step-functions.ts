import { randomUUID } from 'node:crypto';
import { SandboxAwsError } from '../aws-error';
import type { GehenStepFunctions } from '../engine';
import { ACCOUNT } from '../ids';
import type { LocalWorkflow } from '../stepfunctions/local-workflow';
import type { StartExecutionRequest } from '../stepfunctions/service';
import { executionHistory } from './execution-history';
import { type MotoServer, startMotoServer } from './moto-server';

/** The workflow moto refused: its CreateStateMachine error, named. */
export class MotoDefinitionError extends Error {
  override readonly name = 'MotoDefinitionError';
}

export interface MotoStepFunctionsOptions {
  /** The sandbox's port: where moto's interpreter sends Lambda Invoke (the sandbox's Invoke API). */
  sandboxPort: number;
  region: string;
  workflow: LocalWorkflow;
  /** The Python that has moto installed. @default python3 */
  python?: string;
  onLog?: (line: string) => void;
}

/** How often executionDone asks moto: it has no event to await. */
const POLL_MS = 100;

/**
 * The Step Functions API answered by moto_server with its ASL interpreter (the `moto` engine): the
 * sandbox forwards every `AWSStepFunctions.*` call to it, and creates `gehen-deploy` there from the
 * same definition the local engine runs. A definition moto refuses fails the start.
 */
export async function startMotoStepFunctions(options: MotoStepFunctionsOptions): Promise<GehenStepFunctions> {
  const { region, workflow } = options;
  const server = await startMotoServer({
    lambdaPort: options.sandboxPort,
    python: options.python,
    onLog: options.onLog,
  });
  const call = (operation: string, input: unknown, inRegion = region) => forward(server, operation, input, inRegion);
  let stateMachineArn: string;
  try {
    const created = (await call('CreateStateMachine', {
      name: workflow.name,
      definition: JSON.stringify(workflow.definition),
      roleArn: `arn:aws:iam::${ACCOUNT}:role/${workflow.name}-role`,
      type: 'STANDARD',
    }).catch((error: Error) => {
      const type = error instanceof SandboxAwsError ? `${error.type}: ` : '';
      throw new MotoDefinitionError(`moto refused the ${workflow.name} definition: ${type}${error.message}`, {
        cause: error,
      });
    })) as { stateMachineArn: string };
    stateMachineArn = created.stateMachineArn;
  } catch (error) {
    await server.close();
    throw error;
  }

  const withName = (input: unknown): unknown => {
    // moto 5.2.1 names an execution started without a name "None" (so the second one collides);
    // AWS generates a unique one (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
    const request = (input ?? {}) as Record<string, unknown>;
    return request.name === undefined ? { ...request, name: randomUUID() } : request;
  };

  // Starts made in process (EventBridge targets) that moto has not answered yet: every API call
  // waits for them, so the sandbox's delivery is as synchronous on moto as on the local engine.
  const starting = new Set<Promise<unknown>>();

  return {
    stateMachineArn,
    async handle(operation, input, inRegion) {
      await Promise.all(starting);
      if (operation === 'StartExecution') return call(operation, withName(input), inRegion);
      if (operation === 'GetExecutionHistory') {
        return executionHistory(input, (executionArn) => call(operation, { executionArn }, inRegion) as never);
      }
      return call(operation, input, inRegion);
    },
    startExecution(request: StartExecutionRequest) {
      // EventBridge targets start executions in-process and need the ARN at once: it is known
      // from the name, and moto's answer (or refusal) is only logged.
      const name = request.name ?? randomUUID();
      const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
      const start = call('StartExecution', { ...request, name })
        .catch((error: Error) => options.onLog?.(`StartExecution ${executionArn} failed: ${error.message}`))
        .finally(() => starting.delete(start));
      starting.add(start);
      return { executionArn, startDate: new Date() };
    },
    async executionDone(executionArn) {
      for (;;) {
        const { status } = (await call('DescribeExecution', { executionArn })) as { status: string };
        if (status !== 'RUNNING') return;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
    stats: () => ({}),
    close: () => server.close(),
  };
}

/** One Step Functions call to moto, its errors rethrown as the sandbox answers AWS errors. */
async function forward(server: MotoServer, operation: string, input: unknown, region: string): Promise<unknown> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `AWSStepFunctions.${operation}`,
      // moto reads the region from the credential scope and checks no signature.
      Authorization: `AWS4-HMAC-SHA256 Credential=sandbox/20240101/${region}/states/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(input ?? {}),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    // An unhandled exception in moto: Werkzeug's HTML error page.
    throw new SandboxAwsError('InternalFailure', `moto_server failed ${operation} (HTTP ${response.status})`, 500);
  }
  if (response.ok) return body;
  const { __type: type, message } = body as { __type?: string | null; message?: string };
  // moto answers a definition its parser rejects with `__type: null`; AWS names it InvalidDefinition.
  const name = (type ?? (operation === 'CreateStateMachine' ? 'InvalidDefinition' : 'InternalFailure')).replace(
    /^.*#/,
    '',
  );
  throw new SandboxAwsError(name, message ?? text, response.status);
}
