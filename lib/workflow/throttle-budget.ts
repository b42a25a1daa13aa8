import { Duration } from 'aws-cdk-lib';
import { MAX_TARGETS } from '../../lambdas/shared/config/bounds';

/**
 * How a Task retries TransientAwsError (throttling, transient faults): exponential from 2 s, doubling,
 * capped at `maxDelay`, with full jitter — each delay is a random share of its cap
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#retrying-after-error).
 */
export interface TransientRetry {
  readonly maxAttempts: number;
  readonly maxDelay: Duration;
}

export const INTERVAL_SECONDS = 2;
export const BACKOFF_RATE = 2;

/** Every step that meets no tight bucket: about 45 s of retries on average, 90 s at most. */
export const DEFAULT_TRANSIENT_RETRY: TransientRetry = { maxAttempts: 6, maxDelay: Duration.seconds(30) };

/** An ECS token bucket: at most `burst` tokens, refilled `rate` a second, one taken by every call. */
export interface EcsBucket {
  readonly name: string;
  readonly burst: number;
  readonly rate: number;
}

/**
 * ECS's published default buckets that a deployment's writes drain, shared by every caller in the
 * account and Region (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/request-throttling.html).
 */
export const ECS_WRITE_BUCKETS = {
  /** RegisterTaskDefinition (Register Task Definition, Update Scheduled Task) and DeregisterTaskDefinition. */
  taskDefinitionModify: { name: 'Task definition modify actions', burst: 20, rate: 1 },
  /** UpdateService (Update Service, Roll Back Service). */
  serviceModify: { name: 'Service modify actions', burst: 50, rate: 5 },
} as const satisfies Record<string, EcsBucket>;

/**
 * The retry of a step whose ECS write draws from `bucket`, long enough to outlast the queue the
 * largest plan makes in front of it.
 *
 * A plan holds at most MAX_TARGETS (300) services and rules, each one write to the bucket. The
 * first `burst` pass at once; the rest pass at `rate` a second, so the last write can wait
 * (300 − burst) / rate seconds: 280 s for Task definition modify (burst 20, 1 a second), 50 s for
 * Service modify (burst 50, 5 a second). The writes are not served in turn: each iteration of a
 * Map retries on its own, and one that has backed off far loses every token to newer iterations
 * that retry every few seconds. So the ladder's mean wait (with full jitter, half the sum of its
 * caps) is twice the queue: the caps sum to at least 4 × the queue. With a 2 s interval doubling:
 * - Task definition modify, caps 2, 4, 8, 16, 32, then 60 (maxDelay): 62 + 18 × 60 = 1,142 ≥ 1,120,
 *   23 attempts, a mean of 571 s of waiting;
 * - Service modify, caps 2, 4, 8, 16, then 30: 30 + 6 × 30 = 210 ≥ 200, 10 attempts.
 * A longer maxDelay means fewer attempts (history events) for the same wait, but a late retry
 * then waits longer after the queue has emptied; 60 s keeps that under a minute.
 */
export function throttledRetry(bucket: EcsBucket, writes = MAX_TARGETS): TransientRetry {
  const queueSeconds = Math.max(0, writes - bucket.burst) / bucket.rate;
  const maxDelaySeconds = queueSeconds > 100 ? 60 : 30;
  const capsNeeded = 4 * queueSeconds;
  let caps = 0;
  let attempts = 0;
  while (caps < capsNeeded || attempts < DEFAULT_TRANSIENT_RETRY.maxAttempts) {
    caps += Math.min(maxDelaySeconds, INTERVAL_SECONDS * BACKOFF_RATE ** attempts);
    attempts += 1;
  }
  return { maxAttempts: attempts, maxDelay: Duration.seconds(maxDelaySeconds) };
}
