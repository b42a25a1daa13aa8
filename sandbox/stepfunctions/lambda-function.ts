import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { functionAccessKey } from '../iam/template-roles';
import { LAMBDA_WORKER_SOURCE } from './lambda-worker-source';
import type { Json, LambdaFunctionSpec } from './local-workflow';

/** A function error as Lambda reports it; Step Functions names the Task failure after `errorType`. */
export interface LambdaErrorPayload {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

/**
 * A failed invocation. `name` is the thrown error's name (what `ErrorEquals` matches) and
 * `message` the Lambda error payload as JSON: the runner reports them as the ASL Error and Cause.
 */
export class LambdaFunctionError extends Error {
  constructor(readonly payload: LambdaErrorPayload) {
    super(JSON.stringify(payload));
    this.name = payload.errorType;
  }
}

export interface LambdaRuntimeOptions {
  /** The sandbox endpoint the function's AWS SDK clients call (AWS_ENDPOINT_URL). */
  endpoint: string;
  region: string;
  /** Where the function's stdout and stderr go, line by line. @default dropped */
  onLog?: (functionName: string, line: string) => void;
}

interface Pending {
  resolve: (value: Json) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

type WorkerReply = { id: number; ok: true; payload: string } | { id: number; ok: false; error: LambdaErrorPayload };

/**
 * What the function cannot connect to: outside a VPC, the VPC's private addresses. A function
 * with VpcConfig subnets runs in the VPC; with none it reaches only public endpoints
 * (https://docs.aws.amazon.com/lambda/latest/dg/foundation-networking.html).
 */
export function unreachableAddresses(spec: LambdaFunctionSpec): string[] {
  return (spec.vpcConfig?.subnetIds.length ?? 0) > 0 ? [] : (spec.privateAddresses ?? []);
}

/** Worker threads this process started (test/cpu-usage.ts records the count per test file). */
let workerStarts = 0;

export function lambdaWorkerStarts(): number {
  return workerStarts;
}

/**
 * One function, run as Lambda runs it: the bundle loaded once in its own worker thread (a
 * container, with the function's environment), `handler(event, context)` per invocation, the
 * function's Timeout enforced. A timed-out or crashed worker is replaced on the next invocation.
 */
export class LocalLambdaFunction {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(
    readonly spec: LambdaFunctionSpec,
    private readonly runtime: LambdaRuntimeOptions,
  ) {}

  get timeoutSeconds(): number {
    return this.spec.timeoutSeconds ?? 3;
  }

  invoke(event: Json): Promise<Json> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const requestId = randomUUID();
    const timeoutMs = this.timeoutSeconds * 1000;
    return new Promise<Json>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new LambdaFunctionError({
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${requestId} Error: Task timed out after ${this.timeoutSeconds.toFixed(2)} seconds`,
          }),
        );
        // Lambda kills a timed-out environment; only do so when no other invocation shares it.
        if (this.pending.size === 0) void this.stopWorker();
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, requestId, payload: JSON.stringify(event), deadline: Date.now() + timeoutMs });
    });
  }

  async close(): Promise<void> {
    this.failAll('Runtime.ExitError', 'the sandbox is shutting down');
    await this.stopWorker();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const { spec } = this;
    workerStarts++;
    const worker = new Worker(LAMBDA_WORKER_SOURCE, {
      eval: true,
      env: this.environment(),
      stdout: true,
      stderr: true,
      workerData: {
        entry: spec.entry,
        exportName: spec.exportName,
        functionName: spec.functionName,
        functionArn: spec.arn,
        memorySize: spec.memorySize ?? 128,
        unreachable: unreachableAddresses(spec),
      },
    });
    for (const stream of [worker.stdout, worker.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (line) this.runtime.onLog?.(spec.functionName, line);
      });
    }
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (error) => this.failAll('Runtime.ExitError', `Runtime exited with error: ${error.message}`));
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll('Runtime.ExitError', 'Runtime exited without providing a reason');
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private environment(): Record<string, string> {
    const { spec, runtime } = this;
    return {
      ...spec.environment,
      AWS_ENDPOINT_URL: runtime.endpoint,
      AWS_REGION: runtime.region,
      AWS_DEFAULT_REGION: runtime.region,
      // Its own key, so the sandbox knows which function (and role) signs each call (sandbox/iam/).
      AWS_ACCESS_KEY_ID: functionAccessKey(spec.functionName),
      AWS_SECRET_ACCESS_KEY: 'sandbox',
      AWS_SESSION_TOKEN: 'sandbox',
      AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize ?? 128),
      AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${process.versions.node.split('.')[0]}.x`,
      LAMBDA_TASK_ROOT: spec.entry.replace(/\/[^/]*$/, ''),
      ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
    };
  }

  private settle(reply: WorkerReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return; // timed out already
    this.pending.delete(reply.id);
    clearTimeout(pending.timer);
    if (reply.ok) pending.resolve(JSON.parse(reply.payload) as Json);
    else pending.reject(new LambdaFunctionError(reply.error));
  }

  private failAll(errorType: string, errorMessage: string): void {
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(new LambdaFunctionError({ errorType, errorMessage }));
    }
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
