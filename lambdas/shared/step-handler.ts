import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { RoleClients } from './aws/clients';
import { type Logger, stepLogger, stepLogging } from './logger';

/**
 * Every step's handler, made once here: the step's logger and its logging middleware first, then,
 * for a write step, the execution guard, and last the step's pure core. A handler file then says
 * only what differs: its environment, its clients, and how its input reaches its core.
 */

/** What a step's core is handed besides its event. */
export interface Step {
  readonly logger: Logger;
  readonly context: Context;
  /**
   * Clients acting as the deployment's `role.arn`, cached per role and execution for the life of
   * the container. Only for a step given `clients`; the others have none.
   */
  clients: RoleClients;
}

export interface StepOptions<TEvent> {
  /**
   * The step's logger, when its module needs it at cold start for clients of its own (Notify,
   * Prepare). @default - stepLogger(step)
   */
  readonly logger?: Logger;
  /**
   * The role clients' factory (aws/clients.ts's `roleClients`): passed rather than imported here,
   * so a step that makes no client of its own (Report) bundles no AWS SDK. @default - none
   */
  readonly clients?: (step: string, logger: Logger) => RoleClients;
  /**
   * A write step's execution guard (execution-guard.ts's `executionGuard`): refuses, before the
   * core runs, an invocation that is not what a running execution of this state machine planned.
   * Passed, like `clients`, so only the write steps bundle it. @default - none
   */
  readonly guard?: MiddlewareObj<TEvent>;
}

export function stepHandler<TEvent, TResult>(
  step: string,
  core: (event: TEvent, step: Step) => Promise<TResult>,
  options: StepOptions<TEvent> = {},
): MiddyfiedHandler<TEvent, TResult> {
  const logger = options.logger ?? stepLogger(step);
  const clients = options.clients?.(step, logger) ?? noClients(step);
  const handler = middy<TEvent, TResult>().use(stepLogging(logger));
  if (options.guard) handler.use(options.guard);
  return handler.handler((event, context) => core(event, { logger, context, clients }));
}

function noClients(step: string): RoleClients {
  return () => {
    // A programming error: the step's handler passed no `clients`.
    throw new Error(`the ${step} step makes no role clients (stepHandler clients)`);
  };
}
