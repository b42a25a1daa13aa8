import type { Json } from './local-workflow';

/** One invocation of a Task state's function: its first attempt or a retry. */
export interface TaskAttempt {
  stateName: string;
  integration: 'function' | 'invoke' | 'putEvents';
  /** A callback Task: TaskSubmitted once the call returned, then the token's answer. */
  waitForTaskToken?: boolean;
  /** The Task's Resource (the function ARN for the payloadResponseOnly form). */
  resource: string;
  /** The event the function received. */
  input: Json;
  /** The Task's effective input (lambda:invoke's Parameters with FunctionName and Payload). */
  parameters: Json;
  /** The Task's timeout: the function's (Lambda events), or the callback Task's own (none: unbounded). */
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
  /** A callback Task's call returned (the Invoke or PutEvents response): TaskSubmitted. */
  submitted?: { output: Json; at: Date };
  /** Set by the history while the attempt is recorded and not yet submitted. */
  onSubmitted?: () => void;
  outcome?: { ok: true; output: Json; at: Date } | { ok: false; at: Date };
}

/**
 * The Task invocations of one execution, in the order they started, per state name. The runner
 * invokes a Task handler in the same tick as it logs the state's entry (or retry), so the n-th
 * entry of a state logged is the n-th invocation: the history claims them in that order.
 */
export class TaskAttempts {
  private readonly queues = new Map<string, TaskAttempt[]>();

  started(attempt: TaskAttempt): TaskAttempt {
    const queue = this.queues.get(attempt.stateName) ?? [];
    queue.push(attempt);
    this.queues.set(attempt.stateName, queue);
    return attempt;
  }

  claim(stateName: string): TaskAttempt | undefined {
    return this.queues.get(stateName)?.shift();
  }
}
