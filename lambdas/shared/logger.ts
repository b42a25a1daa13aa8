import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj } from '@middy/core';
import { isGitSha } from './config/gitsha';

/**
 * The steps' structured logs: Powertools for AWS Lambda's Logger, one JSON object a line, at the
 * level POWERTOOLS_LOG_LEVEL sets (the stack's `logLevel`, INFO unless told). docs/operating.md
 * lists what each line holds and how to query them.
 *
 * Nothing from the event is logged but the keys `invocationKeys` picks by name: state data never
 * carries environment values, and this keeps it so even if an event one day did.
 */

/** The `service` key of every line; the step is its own key. */
export const LOG_SERVICE_NAME = 'gehen';

/** A step's logger, made once per container at module scope by its handler. */
export function stepLogger(step: string): Logger {
  return new Logger({ serviceName: LOG_SERVICE_NAME, persistentKeys: { step } });
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
 * The middlewares every step's handler uses first: Lambda's context on every line (request id,
 * cold start, function), the invocation's keys, and one line when the step starts and one when it
 * ends, with its duration and, on failure, the error's name and message. The event itself is never
 * logged, whatever POWERTOOLS_LOGGER_LOG_EVENT says.
 */
export function stepLogging(logger: Logger, now: () => number = Date.now): MiddlewareObj[] {
  // Per request: a container may serve more than one invocation at a time.
  const started = new WeakMap<object, number>();
  const elapsed = (request: object) => now() - (started.get(request) ?? now());
  const invocation: MiddlewareObj = {
    before: (request) => {
      started.set(request, now());
      logger.appendKeys({ ...invocationKeys(request.event) });
      logger.info('Step started');
    },
    after: (request) => {
      logger.info('Step finished', { durationMs: elapsed(request) });
    },
    onError: (request) => {
      const { error } = request;
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      logger.error('Step failed', { durationMs: elapsed(request), error: { name, message } });
    },
  };
  return [injectLambdaContext(logger, { logEvent: false, resetKeys: true }) as MiddlewareObj, invocation];
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
