import type { ExecutionStatus, HistoryEvent } from '@aws-sdk/client-sfn';
import type { StateMachine } from 'aws-local-stepfunctions';
import { ACCOUNT } from '../ids';
import { HistoryRecorder } from './history';
import type { Json } from './local-workflow';
import { SANDBOX_RUN } from './runner-patch';
import { TaskAttempts } from './task-attempts';
import { taskHandlers } from './task-handlers';
import type { TaskBinding } from './task-states';
import type { TaskTokens } from './task-tokens';

export interface ExecutionInit {
  executionArn: string;
  name: string;
  stateMachineArn: string;
  stateMachineName: string;
  region: string;
  /** The input as given (a JSON text). */
  input: string;
}

export interface ExecutionHooks {
  mapLength?: (stateName: string, input: unknown) => number | undefined;
  /** Called when the execution starts (RUNNING) and when it ends, with its status set. */
  onStatusChange?: (execution: LocalExecution) => void;
  /** Wait states run this many milliseconds instead of their Seconds (tests whose subject is not the wait). */
  waitTimeOverrides?: Record<string, number>;
}

/** What callback Tasks (`.waitForTaskToken`) of every execution share. */
export interface CallbackServices {
  tokens: TaskTokens;
  /** EventBridge's PutEvents, in the execution's region. */
  putEvents: (entries: Json[]) => Promise<Json>;
}

/** When the execution's status became what it is (and what it was before), for lagging reads. */
export interface StatusChange {
  status: ExecutionStatus;
  /** Wall-clock milliseconds. */
  at: number;
}

/**
 * One execution: runs the definition with the runner, records AWS's history from its event log
 * and settles status, output or error from the terminal event, so DescribeExecution and
 * GetExecutionHistory never disagree.
 */
export class LocalExecution {
  readonly startDate = new Date();
  status: ExecutionStatus = 'RUNNING';
  stopDate: Date | undefined;
  output: string | undefined;
  error: string | undefined;
  cause: string | undefined;
  /** Settles when the execution has stopped and its history is complete. */
  readonly done: Promise<void>;
  /** Every status it has had, oldest first. */
  readonly statusChanges: StatusChange[];
  private readonly history: HistoryRecorder;
  private readonly abortRun: () => void;
  private readonly onStatusChange: (execution: LocalExecution) => void;

  constructor(
    readonly init: ExecutionInit,
    machine: StateMachine,
    tasks: ReadonlyMap<string, TaskBinding>,
    private readonly callbacks: CallbackServices,
    hooks: ExecutionHooks = {},
  ) {
    this.statusChanges = [{ status: 'RUNNING', at: this.startDate.getTime() }];
    this.onStatusChange = hooks.onStatusChange ?? (() => {});
    const attempts = new TaskAttempts();
    const history = new HistoryRecorder(attempts, init.region, hooks.mapLength, () => this.historyFull());
    this.history = history;
    // A variable, not a literal: the runner's RunOptions type does not know the sandbox's flag.
    const options = {
      overrides: {
        taskResourceLocalHandlers: taskHandlers(tasks, attempts, {
          ...callbacks,
          stateMachineArn: init.stateMachineArn,
          executionArn: init.executionArn,
        }),
        ...(hooks.waitTimeOverrides ? { waitTimeOverrides: hooks.waitTimeOverrides } : {}),
      },
      noThrowOnAbort: true,
      [SANDBOX_RUN]: true,
      context: {
        Execution: {
          Id: init.executionArn,
          Name: init.name,
          StartTime: this.startDate.toISOString(),
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/${init.stateMachineName}-role`,
        },
        StateMachine: { Id: init.stateMachineArn, Name: init.stateMachineName },
      },
    };
    const run = machine.run(JSON.parse(init.input) as Json, options);
    this.abortRun = run.abort;
    const recorded = (async () => {
      for await (const event of run.eventLogs) history.record(event);
    })();
    this.done = Promise.allSettled([run.result, recorded]).then(([result, log]) => {
      // However it ended, its waiting Tasks are over: their tokens answer TaskTimedOut.
      callbacks.tokens.closeExecution(init.executionArn);
      this.settle(result, log);
      this.changed();
    });
    this.onStatusChange(this);
  }

  get events(): readonly HistoryEvent[] {
    return this.history.events;
  }

  /** StopExecution: aborts the run (a Lambda already invoked runs to its end, as on AWS). */
  async stop(error?: string, cause?: string): Promise<void> {
    if (this.status !== 'RUNNING') return;
    const at = new Date();
    this.status = 'ABORTED';
    this.stopDate = at;
    this.error = error;
    this.cause = cause;
    // A Task waiting for its token stops waiting at once: the token is stale from here.
    this.callbacks.tokens.closeExecution(this.init.executionArn);
    this.abortRun();
    await this.done;
    this.history.abort(at, error, cause);
  }

  /** The history is full: it ends with ExecutionFailed (States.Runtime), and so does the run. */
  private historyFull(): void {
    this.abortRun();
  }

  private changed(): void {
    this.statusChanges.push({ status: this.status, at: Date.now() });
    this.onStatusChange(this);
  }

  private settle(result: PromiseSettledResult<unknown>, log: PromiseSettledResult<void>): void {
    if (this.status === 'ABORTED') return;
    const last = this.history.events.at(-1);
    this.stopDate = last?.timestamp ?? new Date();
    switch (last?.type) {
      case 'ExecutionSucceeded':
        this.status = 'SUCCEEDED';
        this.output = last.executionSucceededEventDetails?.output;
        return;
      case 'ExecutionFailed':
        this.status = 'FAILED';
        this.error = last.executionFailedEventDetails?.error;
        this.cause = last.executionFailedEventDetails?.cause;
        return;
      case 'ExecutionTimedOut':
        this.status = 'TIMED_OUT';
        return;
      default: {
        // The runner broke without logging an end: report it rather than hang RUNNING forever.
        const failure =
          result.status === 'rejected' ? result.reason : log.status === 'rejected' ? log.reason : undefined;
        this.status = 'FAILED';
        this.error = 'States.Runtime';
        this.cause = failure instanceof Error ? failure.message : 'the local runner stopped without a result';
      }
    }
  }
}
