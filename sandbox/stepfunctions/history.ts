import type { HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { StateMachine } from 'aws-local-stepfunctions';
import {
  DATA_LIMIT_ERROR,
  HISTORY_LIMIT_CAUSE,
  HISTORY_LIMIT_ERROR,
  MAX_HISTORY_EVENTS,
  truncateCause,
} from './execution-limits';
import type { TaskAttempt, TaskAttempts } from './task-attempts';

/** One event of the runner's event log. */
export type RunnerEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

const NOT_TRUNCATED = { truncated: false };
const TERMINAL = new Set<HistoryEventType>([
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionTimedOut',
  'ExecutionAborted',
]);

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
  /** Map iterations started and not ended: lane → the Map state's name. */
  private readonly openIterations = new Map<string, string>();
  /** Lanes of aborted iterations: what their runs still log is not history. */
  private readonly abortedLanes = new Set<string>();
  /** Set once a terminal event is recorded: nothing follows it. */
  private closed = false;

  constructor(
    private readonly attempts: TaskAttempts,
    private readonly region: string,
    /** How many items a Map state iterates for an input (MapStateStarted's length). */
    private readonly mapLength: (stateName: string, input: unknown) => number | undefined = () => undefined,
    /** Called when the history reached its 25,000 events and ended with ExecutionFailed. */
    private readonly onHistoryFull: () => void = () => {},
  ) {}

  record(event: RunnerEvent): void {
    if (this.closed) return;
    const at = new Date(event.timestamp);
    const lane = 'index' in event ? laneOf(event) : 'root';
    if (event.type === 'MapIterationStarted') this.abortedLanes.delete(lane);
    else if (this.abortedLanes.has(lane)) return;
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
        if (event.type === 'MapIterationStarted') this.openIterations.set(lane, event.parentState.name);
        else this.openIterations.delete(lane);
        this.mapIterationEvent(at, event.type, event.parentState.name, event.index);
        break;
      }
      default:
        break; // StateCaught, Parallel branch events: AWS records no such events
    }
  }

  abort(at: Date, error?: string, cause?: string): void {
    const details = { error, cause: cause === undefined ? undefined : truncateCause(cause) };
    this.add(at, 'ExecutionAborted', { executionAbortedEventDetails: details });
  }

  private mapIterationEvent(at: Date, type: HistoryEventType, name: string, index: number): void {
    const key = `m${type.slice(1)}EventDetails`;
    this.add(at, type, { [key]: { name, index } }, String(index));
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
    if (type === 'Map') {
      // AWS stops the iterations still running when one fails (the patched runner starts no more).
      for (const [iterationLane, mapName] of [...this.openIterations]) {
        if (mapName !== name) continue;
        this.openIterations.delete(iterationLane);
        this.abortedLanes.add(iterationLane);
        this.mapIterationEvent(at, 'MapIterationAborted', name, Number(iterationLane));
      }
      this.add(at, 'MapStateFailed', {}, lane);
    }
    if (type === 'Parallel') this.add(at, 'ParallelStateFailed', {}, lane);
    if (type !== 'Task') return;
    const attempt = this.running.get(`${name}|${lane}`);
    if (!attempt) return; // failed before invoking (input processing)
    // The function succeeded; its result could not be kept: ExecutionFailed alone says so.
    if (event.Error === DATA_LIMIT_ERROR) return;
    const failure = { error: event.Error, cause: causeText(event.Cause) };
    const timedOut = event.Error === 'States.Timeout' || event.Error === 'States.HeartbeatTimeout';
    this.taskEvent(at, attempt, timedOut ? 'TimedOut' : 'Failed', lane, failure);
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
      const base = serviceResource(attempt.resource);
      const limits = {
        ...(attempt.waitForTaskToken && attempt.timeoutSeconds !== undefined
          ? { timeoutInSeconds: attempt.timeoutSeconds }
          : {}),
        ...(attempt.heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: attempt.heartbeatSeconds }),
      };
      const parameters = json(attempt.parameters);
      this.add(
        at,
        'TaskScheduled',
        { taskScheduledEventDetails: { ...base, region: this.region, parameters, ...limits } },
        lane,
      );
      this.add(at, 'TaskStarted', { taskStartedEventDetails: base }, lane);
      if (attempt.waitForTaskToken) this.taskSubmitted(attempt, lane);
    }
  }

  /** A callback Task's call returned: TaskSubmitted with its response, now or once it has. */
  private taskSubmitted(attempt: TaskAttempt, lane: string): void {
    const record = (submitted: NonNullable<TaskAttempt['submitted']>) => {
      const details = {
        ...serviceResource(attempt.resource),
        output: json(submitted.output),
        outputDetails: NOT_TRUNCATED,
      };
      this.add(submitted.at, 'TaskSubmitted', { taskSubmittedEventDetails: details }, lane);
    };
    if (attempt.submitted) record(attempt.submitted);
    else
      attempt.onSubmitted = () => {
        // Not once the Task has ended (its call outlived it): AWS records nothing after the end.
        if (attempt.submitted && attempt.outcome === undefined) record(attempt.submitted);
      };
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
      const base = serviceResource(attempt.resource);
      this.add(
        at,
        `Task${outcome}`,
        { [`task${outcome}EventDetails`]: { ...base, ...(success ? output : failure) } },
        lane,
      );
    }
  }

  private add(timestamp: Date, type: HistoryEventType, details: Partial<HistoryEvent>, lane = 'root'): void {
    if (this.closed) return;
    if (this.events.length === MAX_HISTORY_EVENTS - 1 && !TERMINAL.has(type)) {
      const failure = { error: HISTORY_LIMIT_ERROR, cause: HISTORY_LIMIT_CAUSE };
      this.push(timestamp, 'ExecutionFailed', { executionFailedEventDetails: failure }, lane);
      this.closed = true;
      this.onHistoryFull();
      return;
    }
    this.push(timestamp, type, details, lane);
    if (TERMINAL.has(type)) this.closed = true;
  }

  private push(timestamp: Date, type: HistoryEventType, details: Partial<HistoryEvent>, lane: string): void {
    const id = this.events.length + 1;
    const previousEventId = this.lastId.get(lane) ?? this.lastId.get('root') ?? 0;
    this.events.push({ timestamp, type, id, previousEventId, ...details });
    this.lastId.set(lane, id);
  }
}

/**
 * How a Task event names a service integration's Resource: `arn:aws:states:::lambda:invoke.waitForTaskToken`
 * is resourceType `lambda`, resource `invoke.waitForTaskToken`
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_TaskScheduledEventDetails.html).
 */
function serviceResource(resource: string): { resourceType: string; resource: string } {
  const [resourceType = '', ...rest] = resource.replace(/^arn:aws:states:::/, '').split(':');
  return { resourceType, resource: rest.join(':') };
}

function laneOf(event: { index?: number }): string {
  return event.index === undefined ? 'root' : String(event.index);
}

function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** The cause as AWS records it: text, at most 32,768 characters. */
function causeText(cause: unknown): string {
  return truncateCause(typeof cause === 'string' ? cause : JSON.stringify(cause ?? ''));
}
