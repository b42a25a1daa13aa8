import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CLIENT_DEFAULTS } from '../shared/aws/client-defaults';
import { withCallLog } from '../shared/aws/clients';
import { stepLogger } from '../shared/logger';
import { stepHandler } from '../shared/step-handler';
import * as z from '../shared/zod'; // zod/mini: tree-shakes
import { type ParkInput, type ParkResult, parkWait } from './core';

const logger = stepLogger('park-wait');
const env = z
  .object({ AWS_REGION: z.string().check(z.minLength(1)), LOCK_TABLE_NAME: z.string().check(z.minLength(1)) })
  .parse(process.env);
// The lock table and the state machine are gehen's own: the function's own credentials, never role.arn.
const deps = {
  dynamodb: withCallLog(new DynamoDBClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION }), logger),
  sfn: withCallLog(new SFNClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION }), logger),
  tableName: env.LOCK_TABLE_NAME,
  now: () => new Date(),
};

export const handler = stepHandler<ParkInput, ParkResult>('park-wait', (input) => parkWait(input, deps), { logger });
