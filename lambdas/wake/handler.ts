import { eventWaitDeps } from '../shared/event-wait-deps';
import { stepLogger } from '../shared/logger';
import { stepHandler } from '../shared/step-handler';
import { type EcsEvent, type WakeResult, wake } from './core';

const logger = stepLogger('wake');
const deps = eventWaitDeps(process.env, logger);

/** EventBridge invokes it asynchronously with an ECS event; an error is retried by Lambda's async retries. */
export const handler = stepHandler<EcsEvent, WakeResult>('wake', (event) => wake(event, deps), { logger });
