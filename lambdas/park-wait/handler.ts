import { eventWaitDeps } from '../shared/event-wait-deps';
import { stepLogger } from '../shared/logger';
import { stepHandler } from '../shared/step-handler';
import { type ParkInput, type ParkResult, parkWait } from './core';

const logger = stepLogger('park-wait');
const deps = eventWaitDeps(process.env, logger);

export const handler = stepHandler<ParkInput, ParkResult>('park-wait', (input) => parkWait(input, deps), { logger });
