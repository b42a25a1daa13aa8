import type { InitializeHandlerOptions, InitializeMiddleware, MetadataBearer, Pluggable } from '@aws-sdk/types';

/** What the call log needs of a logger (logger.ts's `Logger` has both). */
export interface CallLogger {
  debug(message: string, extra: Record<string, unknown>): void;
  info(message: string, extra: Record<string, unknown>): void;
}

/** One line per AWS call, as operators query them (docs/operating.md). */
export interface AwsCallLine {
  /** `service` is the logger's own key (always `gehen`). */
  awsService: string;
  operation: string;
  /** From the first attempt to the answer, the SDK's retries included. */
  durationMs: number;
  attempts: number;
  /** The error's name, when the call failed after its retries. */
  error?: string;
}

const OPTIONS: InitializeHandlerOptions & { name: string } = {
  step: 'initialize',
  name: 'gehenAwsCallLog',
  // Outside the retry middleware, so one line covers a call and all its attempts.
  tags: ['GEHEN_AWS_CALL_LOG'],
};

/**
 * An SDK plugin that logs every call's service, operation, duration and attempts: at DEBUG when it
 * succeeds, at INFO when it fails. Never the request or the response: a DescribeTaskDefinition
 * answer holds every container's environment values.
 */
export function awsCallLog(logger: CallLogger, now: () => number = Date.now): Pluggable<object, MetadataBearer> {
  const middleware: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const started = now();
    const line = (attempts: number | undefined): AwsCallLine => ({
      awsService: String(context.clientName ?? 'unknown').replace(/Client$/, ''),
      operation: String(context.commandName ?? 'unknown').replace(/Command$/, ''),
      durationMs: now() - started,
      attempts: attempts ?? 1,
    });
    try {
      const result = await next(args);
      logger.debug('AWS call', { ...line(result.output.$metadata.attempts) });
      return result;
    } catch (error) {
      const metadata = (error as { $metadata?: { attempts?: number } }).$metadata;
      const name = error instanceof Error ? error.name : typeof error;
      logger.info('AWS call failed', { ...line(metadata?.attempts), error: name });
      throw error;
    }
  };
  return { applyToStack: (stack) => stack.add(middleware, OPTIONS) };
}
