import { randomBytes } from 'node:crypto';
import { SandboxAwsError } from '../aws-error';
import type { Json } from './local-workflow';

/**
 * The task tokens of `.waitForTaskToken` Task states
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token):
 * one fresh, unguessable token per attempt, answered by SendTaskSuccess, SendTaskFailure or kept
 * alive by SendTaskHeartbeat. A token stays known after its task closed (answered, timed out, its
 * execution ended or was stopped): AWS then answers TaskTimedOut, "the task token has either
 * expired or the task associated with the token has already been closed"
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html).
 */

/** Why a callback Task failed: `name` is the ASL error Retry and Catch match, `message` the cause. */
export class CallbackTaskError extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/** What the token carries, readable without the registry (IAM authorizes on its state machine). */
interface TokenClaims {
  stateMachineArn: string;
  executionArn: string;
  /** 32 random bytes, base64url: what makes the token unguessable. */
  secret: string;
}

const TOKEN_PREFIX = 'AQ';

/** The state machine a token belongs to, or undefined when it is no token of the sandbox's. */
export function stateMachineOfToken(token: string): string | undefined {
  return decode(token)?.stateMachineArn;
}

export interface WaitOptions {
  stateMachineArn: string;
  executionArn: string;
  stateName: string;
  /** TimeoutSeconds: the whole wait, heartbeats or not. @default none */
  timeoutSeconds?: number;
  /** HeartbeatSeconds: the longest silence between the start or a heartbeat and the next. @default none */
  heartbeatSeconds?: number;
}

/** One attempt of a callback Task, waiting for its token. */
export class CallbackWait {
  readonly token: string;
  /** Settles with SendTaskSuccess's output, or rejects with a CallbackTaskError. */
  readonly result: Promise<Json>;
  private open = true;
  private resolve: (output: Json) => void = () => {};
  private reject: (error: Error) => void = () => {};
  private timeout: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(readonly options: WaitOptions) {
    const claims: TokenClaims = {
      stateMachineArn: options.stateMachineArn,
      executionArn: options.executionArn,
      secret: randomBytes(32).toString('base64url'),
    };
    this.token = TOKEN_PREFIX + Buffer.from(JSON.stringify(claims)).toString('base64url');
    this.result = new Promise<Json>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // An unanswered rejection (the execution moved on) is no process-level error.
    this.result.catch(() => undefined);
    if (options.timeoutSeconds !== undefined) {
      // States.Timeout: "the Task state ran longer than the TimeoutSeconds value"
      // (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
      this.timeout = setTimeout(() => this.expire('States.Timeout'), options.timeoutSeconds * 1000);
    }
    this.armHeartbeat();
  }

  get isOpen(): boolean {
    return this.open;
  }

  succeed(output: Json): void {
    this.close();
    this.resolve(output);
  }

  fail(error: string, cause: string): void {
    this.close();
    this.reject(new CallbackTaskError(error, cause));
  }

  /** SendTaskHeartbeat: the heartbeat clock starts again; TimeoutSeconds still bounds the wait. */
  beat(): void {
    this.armHeartbeat();
  }

  /** The task is over without an answer (stopped, its execution ended): the token goes stale. */
  close(): void {
    this.open = false;
    clearTimeout(this.timeout);
    clearTimeout(this.heartbeat);
  }

  private armHeartbeat(): void {
    clearTimeout(this.heartbeat);
    const seconds = this.options.heartbeatSeconds;
    if (seconds === undefined) return;
    // States.HeartbeatTimeout: "a Task state failed to send a heartbeat for a period longer than the
    // HeartbeatSeconds value" (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
    this.heartbeat = setTimeout(() => this.expire('States.HeartbeatTimeout'), seconds * 1000);
  }

  private expire(error: 'States.Timeout' | 'States.HeartbeatTimeout'): void {
    if (!this.open) return;
    this.fail(error, '');
  }
}

/** Every token the service has handed out, by token text. */
export class TaskTokens {
  private readonly waits = new Map<string, CallbackWait>();

  issue(options: WaitOptions): CallbackWait {
    const wait = new CallbackWait(options);
    this.waits.set(wait.token, wait);
    return wait;
  }

  /**
   * The open wait a SendTask* call answers. AWS's errors: InvalidToken for what is no token,
   * TaskDoesNotExist for a token no task was given, TaskTimedOut for one whose task has closed
   * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html#API_SendTaskSuccess_Errors).
   */
  open(token: string): CallbackWait {
    if (decode(token) === undefined) throw new SandboxAwsError('InvalidToken', `Invalid Token: '${token}'`);
    const wait = this.waits.get(token);
    if (wait === undefined) throw new SandboxAwsError('TaskDoesNotExist', 'Task Does Not Exist');
    if (!wait.isOpen) throw new SandboxAwsError('TaskTimedOut', 'Task Timed Out');
    return wait;
  }

  /** The execution ended or was stopped: its tasks close, their tokens answer TaskTimedOut. */
  closeExecution(executionArn: string): void {
    for (const wait of this.waits.values()) if (wait.options.executionArn === executionArn) wait.close();
  }
}

function decode(token: string): TokenClaims | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8')) as unknown;
    if (typeof claims !== 'object' || claims === null) return undefined;
    const { stateMachineArn, executionArn, secret } = claims as Record<string, unknown>;
    if (typeof stateMachineArn !== 'string' || typeof executionArn !== 'string' || typeof secret !== 'string') {
      return undefined;
    }
    return { stateMachineArn, executionArn, secret };
  } catch {
    return undefined; // not base64url JSON: no token of ours
  }
}
