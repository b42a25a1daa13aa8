import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { isGitSha } from './config/gitsha';

/**
 * The steps' structured logs: one JSON object a line, at the level GEHEN_LOG_LEVEL sets (the
 * stack's `logLevel`, INFO unless told). docs/operating.md lists what each line holds and how to
 * query them. gehen's own rather than Powertools' Logger: the few things the steps use of it cost
 * every bundle about 23 KB.
 *
 * Nothing from the event is logged but the keys `invocationKeys` picks by name: state data never
 * carries environment values, and this keeps it so even if an event one day did.
 */

/** The `service` key of every line; the step is its own key. */
export const LOG_SERVICE_NAME = 'gehen';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where the lines go, one string (a line, newline included) a call. */
export type LogSink = (line: string) => void;

/**
 * Straight to stdout, one write a line: Lambda's Node.js runtime patches `console`'s methods to
 * prefix each entry with a timestamp, the request id and a level (or, in the JSON log format, to
 * wrap it in an object of its own), which would make the line no longer the object itself; what a
 * function writes to stdout reaches its log group as written, a line an entry.
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
 */
const stdout: LogSink = (line) => {
  process.stdout.write(line);
};

export interface LoggerOptions {
  /** Keys on every line, after Lambda's context: the step. */
  readonly persistentKeys?: Record<string, unknown>;
  /** Lines below it are dropped; an unknown name counts as INFO. @default 'INFO' */
  readonly level?: string;
  /** @default stdout */
  readonly sink?: LogSink;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * A structured logger with the shape the steps used of Powertools' Logger: `info`, `debug`,
 * `warn` and `error` with an extra object, and `appendKeys` for the rest of the invocation.
 */
export class Logger {
  readonly #persistent: Record<string, unknown>;
  readonly #threshold: number;
  readonly #sink: LogSink;
  readonly #now: () => number;
  /** Lambda's context keys and the appended ones: the current invocation's, cleared at its end. */
  #invocation: Record<string, unknown> = {};
  #appended: Record<string, unknown> = {};
  #invocations = 0;

  constructor(options: LoggerOptions = {}) {
    this.#persistent = { ...options.persistentKeys };
    this.#threshold = LOG_LEVELS.indexOf(logLevel(options.level));
    this.#sink = options.sink ?? stdout;
    this.#now = options.now ?? Date.now;
  }

  debug(message: string, extra: Record<string, unknown> = {}): void {
    this.#log('DEBUG', message, extra);
  }

  info(message: string, extra: Record<string, unknown> = {}): void {
    this.#log('INFO', message, extra);
  }

  warn(message: string, extra: Record<string, unknown> = {}): void {
    this.#log('WARN', message, extra);
  }

  error(message: string, extra: Record<string, unknown> = {}): void {
    this.#log('ERROR', message, extra);
  }

  /** Keys on every line until the invocation ends. */
  appendKeys(keys: Record<string, unknown>): void {
    Object.assign(this.#appended, keys);
  }

  /**
   * Starts an invocation's lines: Lambda's context, X-Ray's trace id (`traceHeader`, the
   * invocation's _X_AMZN_TRACE_ID) and nothing of the invocation before.
   */
  startInvocation(context: Context, traceHeader?: string): void {
    this.#invocations += 1;
    this.#appended = {};
    this.#invocation = {
      cold_start: this.#invocations === 1,
      function_arn: context.invokedFunctionArn,
      function_memory_size: context.memoryLimitInMB,
      function_name: context.functionName,
      function_request_id: context.awsRequestId,
      xray_trace_id: traceRoot(traceHeader),
    };
  }

  /** Ends it: a container serves the next invocation with none of this one's keys. */
  endInvocation(): void {
    this.#invocation = {};
    this.#appended = {};
  }

  #log(level: LogLevel, message: string, extra: Record<string, unknown>): void {
    if (LOG_LEVELS.indexOf(level) < this.#threshold) return;
    // Spread once more last, so that no key of a call's own replaces them; first, so that they
    // lead every line.
    const reserved = { level, message, timestamp: new Date(this.#now()).toISOString(), service: LOG_SERVICE_NAME };
    const keys = { ...reserved, ...this.#invocation, ...this.#persistent, ...this.#appended };
    this.#sink(`${serialise({ ...keys, ...extra, ...reserved }, keys)}\n`);
  }
}

/** The level a name asks for, in any case; INFO when it names none. */
export function logLevel(name: string | undefined): LogLevel {
  const upper = name?.toUpperCase();
  return LOG_LEVELS.find((level) => level === upper) ?? 'INFO';
}

/** A step's logger, made once per container at module scope by its handler. */
export function stepLogger(step: string): Logger {
  // Shared code's one read of the environment: lib/step-lambda.ts sets it on every step function.
  return new Logger({ persistentKeys: { step }, level: process.env.GEHEN_LOG_LEVEL });
}

/** The keys every line of one invocation carries. */
export interface InvocationKeys {
  executionArn?: string;
  gitsha?: string;
  /** The service a Deploy Services or Roll Back Services iteration acts on. */
  ecsService?: string;
  /** The rule an Update or Roll Back Scheduled Tasks iteration acts on. */
  rule?: string;
}

/**
 * Picks the execution, SHA, service and rule from any step's input by name, and nothing else:
 * `{ service, deployment }`, `{ rule, deployment }`, `{ plan, … }`, Prepare's `{ execution,
 * executionArn }`, Notify's `{ report }` or `{ failure, executionArn, state }`, and the report
 * function's `{ action, state }`.
 */
export function invocationKeys(event: unknown): InvocationKeys {
  const deployment =
    field(event, 'deployment') ??
    field(field(event, 'plan'), 'deployment') ??
    field(field(field(event, 'state'), 'plan'), 'deployment');
  const report = field(event, 'report');
  const keys: InvocationKeys = {
    executionArn:
      text(field(deployment, 'executionArn')) ?? text(field(event, 'executionArn')) ?? text(field(report, 'execution')),
    gitsha: [field(deployment, 'gitsha'), field(field(event, 'execution'), 'gitsha'), field(report, 'gitsha')]
      .map(text)
      // Prepare's input is unvalidated yet: only something shaped like a SHA.
      .find((value) => value !== undefined && isGitSha(value)),
    ecsService: text(field(field(event, 'service'), 'name')),
    rule: text(field(field(event, 'rule'), 'rule')),
  };
  return Object.fromEntries(Object.entries(keys).filter(([, value]) => value !== undefined));
}

/**
 * The middleware every step's handler uses first: Lambda's context on every line (request id,
 * cold start, function), the invocation's keys, and one line when the step starts and one when it
 * ends, with its duration and, on failure, the error's name and message. The event itself is never
 * logged.
 *
 * One logger serves its container's invocations one after another, as Lambda runs them: each
 * starts with none of the keys of the one before.
 */
export function stepLogging(logger: Logger, now: () => number = Date.now): MiddlewareObj[] {
  const started = new WeakMap<object, number>();
  const elapsed = (request: object) => now() - (started.get(request) ?? now());
  const invocation: MiddlewareObj = {
    before: (request) => {
      started.set(request, now());
      // Lambda sets X-Ray's tracing header per invocation, in the environment:
      // https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
      logger.startInvocation(request.context, process.env._X_AMZN_TRACE_ID);
      logger.appendKeys({ ...invocationKeys(request.event) });
      logger.info('Step started');
    },
    after: (request) => {
      logger.info('Step finished', { durationMs: elapsed(request) });
      logger.endInvocation();
    },
    onError: (request) => {
      const { error } = request;
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      logger.error('Step failed', { durationMs: elapsed(request), error: { name, message } });
      logger.endInvocation();
    },
  };
  return [invocation];
}

/** X-Ray's trace id: the Root of Lambda's tracing header, as Powertools logged it. */
function traceRoot(header: string | undefined): string | undefined {
  return header
    ?.split(';')
    .map((part) => part.split('='))
    .find(([key]) => key === 'Root')?.[1];
}

/**
 * A line's JSON: an Error anywhere in it as its name and message (never its stack or own fields,
 * which may hold what a request carried). Logging never throws: a line whose extra fields cannot
 * be serialised (a cycle) keeps its own keys and says so.
 */
function serialise(line: Record<string, unknown>, keys: Record<string, unknown>): string {
  try {
    return JSON.stringify(line, replacer);
  } catch {
    return JSON.stringify({ ...keys, extra: 'not serialisable' }, replacer);
  }
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
