import { StateMachine } from 'aws-local-stepfunctions';
import { checkPayload } from './execution-limits';

/**
 * Where aws-local-stepfunctions 3.0.0 parts from AWS, patched on its StateMachine class (the only
 * class it exports, and the one its Map and Parallel states build their iterations from). The
 * patches act only on runs given the run option `SANDBOX_RUN`, which the runner hands down to every
 * nested run, so other users of the library see it unchanged.
 *
 * 1. State input and output over 256 KiB fail the execution with States.DataLimitExceeded, uncaught
 *    (https://docs.aws.amazon.com/step-functions/latest/dg/limits.html): checked as the runner logs a
 *    state's entry and exit, before the next state can start.
 * 2. An inline Map whose iteration failed starts no further iteration
 *    (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html: "If any iteration
 *    fails, the entire Map state fails"; the history then shows the running ones MapIterationAborted).
 *    The runner aborts the running iterations but its concurrency queue still starts the queued
 *    ones: once one run of an iteration state machine has failed, its later runs never start.
 * 3. An iteration's end reaches the parent's log before the Map state learns of it, so the history
 *    says MapIterationFailed before MapStateFailed, as AWS's does.
 */
export const SANDBOX_RUN = 'sandboxRun';

type RunOptions = Record<string, unknown> & { _rootAbortSignal?: AbortSignal };
type Run = ReturnType<StateMachine['run']>;
type RunnerEvent = Run['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

interface EventLoggerLike {
  dispatchStateEnteredEvent(stateName: string, stateType: string, input: unknown): void;
  dispatchStateExitedEvent(stateName: string, stateType: string, input: unknown, output: unknown): void;
}

interface ExecuteOptions {
  runOptions?: RunOptions;
  eventLogger: EventLoggerLike;
}

interface PatchedPrototype {
  run(input: unknown, options?: RunOptions): Run;
  execute(input: unknown, options: ExecuteOptions, cleanup: () => void): Promise<unknown>;
}

const PATCHED = Symbol.for('gehen.sandbox.runner-patch');
/** Nested state machines (Map iterations) that have had a run fail. */
const failedIterations = new WeakSet<object>();

export function installRunnerPatch(): void {
  const prototype = StateMachine.prototype as unknown as PatchedPrototype & { [PATCHED]?: true };
  if (prototype[PATCHED]) return;
  prototype[PATCHED] = true;
  const { run, execute } = prototype;

  prototype.execute = function (this: StateMachine, input, options, cleanup) {
    if (options.runOptions?.[SANDBOX_RUN]) checkStatePayloads(options.eventLogger);
    return execute.call(this, input, options, cleanup);
  };

  prototype.run = function (this: StateMachine, input, options) {
    const nested = options?.[SANDBOX_RUN] !== undefined && options._rootAbortSignal !== undefined;
    if (!nested) return run.call(this, input, options);
    if (failedIterations.has(this)) return stillborn();
    const started = run.call(this, input, options);
    let relayed: () => void = () => {};
    const lastRelayed = new Promise<void>((resolve) => {
      relayed = resolve;
    });
    return {
      abort: started.abort,
      eventLogs: relay(started.eventLogs, relayed),
      result: started.result.then(
        async (value) => {
          await lastRelayed;
          return value;
        },
        async (error: unknown) => {
          failedIterations.add(this);
          await lastRelayed;
          throw error;
        },
      ),
    };
  };
}

function checkStatePayloads(logger: EventLoggerLike): void {
  const { dispatchStateEnteredEvent: entered, dispatchStateExitedEvent: exited } = logger;
  logger.dispatchStateEnteredEvent = (stateName, stateType, input) => {
    checkPayload(input, stateName, 'has an input');
    entered.call(logger, stateName, stateType, input);
  };
  logger.dispatchStateExitedEvent = (stateName, stateType, input, output) => {
    checkPayload(output, stateName, 'has an output');
    exited.call(logger, stateName, stateType, input, output);
  };
}

/**
 * Passes a nested run's events on; `done` fires once the consumer (the Map state's forwarder,
 * which logs each event on the parent as it receives it) has taken the last one.
 */
async function* relay(events: AsyncGenerator<RunnerEvent>, done: () => void): AsyncGenerator<RunnerEvent> {
  try {
    yield* events;
  } finally {
    done();
  }
}

/** A Map iteration that never starts: no events, no result the Map still waits for. */
function stillborn(): Run {
  return {
    abort: () => {},
    eventLogs: (async function* () {})() as Run['eventLogs'],
    result: Promise.resolve(null) as Run['result'],
  };
}
