import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CLIENT_DEFAULTS } from '../shared/aws/client-defaults';
import { withCallLog } from '../shared/aws/clients';
import { stepLogger } from '../shared/logger';
import { stepHandler } from '../shared/step-handler';
import * as z from '../shared/zod'; // zod/mini: tree-shakes
import { type NotifyInput, type NotifyResult, notify } from './core';

const logger = stepLogger('notify');
const env = z.object({ AWS_REGION: z.string().check(z.minLength(1)) }).parse(process.env);
// The default bus of gehen's own account and region: the function's own credentials.
const events = withCallLog(new EventBridgeClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION }), logger);

export const handler = stepHandler<NotifyInput, NotifyResult>('notify', (input) => notify(input, events), { logger });
