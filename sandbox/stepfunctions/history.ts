import type { HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { StateMachine } from 'aws-local-stepfunctions';
import type { TaskAttempt, TaskAttempts } from './task-attempts';

/** One event of the runner's event log. */
export type RunnerEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

const NOT_TRUNCATED = { truncated: false };

/**
 * Turns the runner's event log into Step Functions' execution history: AWS's event types
 * (`TaskStateEntered`, `LambdaFunctionSucceeded`, `MapIterationStarted`…) with their details
 * objects, ids and previousEventIds. The Lambda events come from the Task attempts the runner's
 * log does not describe (raw function output, each retry's own Scheduled/Started).
 */
export class HistoryRecorder {
  readonly events: HistoryEvent[] = [];
  /** Last event id per lane: the top level, or one Map iteration. */
  private readonly lastId = new Map<string, number>();
  /** The attempt a Task state in a lane is running. */
  private readonly running = new Map<string, TaskAttempt>();
  /** States (per lane) that failed and were caught: they exit without succeeding. */
  private readonly failed = new Set<string>();

  constructor(
    private readonly attempts: TaskAttempts,
    private readonly region: string,
    /** How many items a Map state iterates for an input (MapStateStarted's length). */
    private readonly mapLength: (stateName: string, input: unknown) => number | undefined = () => undefined,
  ) {}

  record(event: RunnerEvent): void {
    const at = new Date(event.timestamp);
    switch (event.type) {
      case 'ExecutionStarted':
        this.add(at, 'ExecutionStarted', {
          executionStartedEventDetails: { input: json(event.input), inputDetails: NOT_TRUNCATED },
        });
        break;
      case 'ExecutionSucceeded':
        this.add(at, 'ExecutionSucceeded', {
          executionSucceededEventDetails: { output: json(event.output), outputDetails: NOT_TRUNCATED },
        });
        break;
      case 'ExecutionFailed':
        this.add(at, 'ExecutionFailed', {
          executionFailedEventDetails: { error: event.Error, cause: causeText(event.Cause) },
        });
        break;
      case 'ExecutionTimeout':
        this.add(at, 'ExecutionTimedOut', { executionTimedOutEventDetails: {} });
        break;
      case 'ExecutionAborted':
        break; // recorded by abort(), with StopExecution's error and cause
      case 'StateEntered':
        this.stateEntered(at, event);
        break;
      case 'StateExited':
        this.stateExited(at, event);
        break;
      case 'StateFailed':
        this.stateFailed(at, event);
        break;
      case 'StateRetried':
        this.taskAttemptStarted(at, event.state.name, laneOf(event));
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const details = { name: event.parentState.name, index: event.index };
        const key = `m${event.type.slice(1)}EventDetails`;
        this.add(at, event.type, { [key]: details }, String(event.index));
        break;
      }
      default:
        break; // StateCaught, Parallel branch events: AWS records no such events
    }
  }

  abort(at: Date, error?: string, cause?: string): void {
    this.add(at, 'ExecutionAborted', { executionAbortedEventDetails: { error, cause } });
  }

  private stateEntered(at: Date, event: RunnerEvent & { type: 'StateEntered' }): void {
    const { name, type, input } = event.state;
    const lane = laneOf(event);
    const details = { stateEnteredEventDetails: { name, input: json(input), inputDetails: NOT_TRUNCATED } };
    this.add(at, `${type}StateEntered` as HistoryEventType, details, lane);
    if (type === 'Task') this.taskAttemptStarted(at, name, lane);
    if (type === 'Map') {
      const length = this.mapLength(name, input);
      this.add(at, 'MapStateStarted', { mapStateStartedEventDetails: length === undefined ? {} : { length } }, lane);
    }
    if (type === 'Parallel') this.add(at, 'ParallelStateStarted', {}, lane);
  }

  private stateExited(at: Date, event: RunnerEvent & { type: 'StateExited' }): void {
    const { name, type, output } = event.state;
    const lane = laneOf(event);
    if (type === 'Fail') return; // AWS ends a Fail state with ExecutionFailed only
    const caught = this.failed.delete(`${name}|${lane}`);
    if (type === 'Task') {
      const attempt = this.running.get(`${name}|${lane}`);
      this.running.delete(`${name}|${lane}`);
      if (attempt?.outcome?.ok) this.taskEvent(attempt.outcome.at, attempt, 'Succeeded', lane);
    }
    if (type === 'Map' && !caught) this.add(at, 'MapStateSucceeded', {}, lane);
    if (type === 'Parallel' && !caught) this.add(at, 'ParallelStateSucceeded', {}, lane);
    const details = { stateExitedEventDetails: { name, output: json(output ?? null), outputDetails: NOT_TRUNCATED } };
    this.add(at, `${type}StateExited` as HistoryEventType, details, lane);
  }

  private stateFailed(at: Date, event: RunnerEvent & { type: 'StateFailed' }): void {
    const { name, type } = event.state;
    const lane = laneOf(event);
    this.failed.add(`${name}|${lane}`);
    if (type === 'Map') this.add(at, 'MapStateFailed', {}, lane);
    if (type === 'Parallel') this.add(at, 'ParallelStateFailed', {}, lane);
    if (type !== 'Task') return;
    const attempt = this.running.get(`${name}|${lane}`);
    if (!attempt) return; // failed before invoking (input processing)
    const failure = { error: event.Error, cause: causeText(event.Cause) };
    this.taskEvent(at, attempt, event.Error === 'States.Timeout' ? 'TimedOut' : 'Failed', lane, failure);
  }

  /** Scheduled + Started for the Task's next invocation (its first, or a retry). */
  private taskAttemptStarted(at: Date, stateName: string, lane: string): void {
    const attempt = this.attempts.claim(stateName);
    if (!attempt) return;
    this.running.set(`${stateName}|${lane}`, attempt);
    if (attempt.integration === 'function') {
      this.add(
        at,
        'LambdaFunctionScheduled',
        {
          lambdaFunctionScheduledEventDetails: {
            resource: attempt.resource,
            input: json(attempt.input),
            inputDetails: NOT_TRUNCATED,
            timeoutInSeconds: attempt.timeoutSeconds,
          },
        },
        lane,
      );
      this.add(at, 'LambdaFunctionStarted', {}, lane);
    } else {
      const base = { resourceType: 'lambda', resource: 'invoke' };
      this.add(
        at,
        'TaskScheduled',
        {
          taskScheduledEventDetails: { ...base, region: this.region, parameters: json(attempt.parameters) },
        },
        lane,
      );
      this.add(at, 'TaskStarted', { taskStartedEventDetails: base }, lane);
    }
  }

  private taskEvent(
    at: Date,
    attempt: TaskAttempt,
    outcome: 'Succeeded' | 'Failed' | 'TimedOut',
    lane: string,
    failure?: { error: string; cause: string },
  ): void {
    const success = outcome === 'Succeeded' && attempt.outcome?.ok ? attempt.outcome : undefined;
    const output = success ? { output: json(success.output), outputDetails: NOT_TRUNCATED } : {};
    if (attempt.integration === 'function') {
      const key = `lambdaFunction${outcome}EventDetails`;
      this.add(at, `LambdaFunction${outcome}`, { [key]: success ? output : failure }, lane);
    } else {
      const base = { resourceType: 'lambda', resource: 'invoke' };
      this.add(
        at,
        `Task${outcome}`,
        { [`task${outcome}EventDetails`]: { ...base, ...(success ? output : failure) } },
        lane,
      );
    }
  }

  private add(timestamp: Date, type: HistoryEventType, details: Partial<HistoryEvent>, lane = 'root'): void {
    const id = this.events.length + 1;
    const previousEventId = this.lastId.get(lane) ?? this.lastId.get('root') ?? 0;
    this.events.push({ timestamp, type, id, previousEventId, ...details });
    this.lastId.set(lane, id);
  }
}

function laneOf(event: { index?: number }): string {
  return event.index === undefined ? 'root' : String(event.index);
}

function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

function causeText(cause: unknown): string {
  return typeof cause === 'string' ? cause : JSON.stringify(cause ?? '');
}
