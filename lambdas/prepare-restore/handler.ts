import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CLIENT_DEFAULTS } from '../shared/aws/client-defaults';
import { withCallLog } from '../shared/aws/clients';
import type { Plan, PrepareInput } from '../shared/contracts/state';
import { stepLogger } from '../shared/logger';
import { stepHandler } from '../shared/step-handler';
import * as z from '../shared/zod'; // zod/mini: tree-shakes
import { prepareRestoreStep } from './core';

const logger = stepLogger('prepare-restore');
const env = z
  .object({
    AWS_REGION: z.string().check(z.minLength(1)),
    LOCK_TABLE_NAME: z.string().check(z.minLength(1)),
    LOCK_TTL_SECONDS: z.coerce.number().check(z.positive()),
  })
  .parse(process.env);
// The function's own credentials: the executions and the lock table are in gehen's account.
const stepFunctions = withCallLog(new SFNClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION }), logger);
const dynamodb = withCallLog(new DynamoDBClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION }), logger);
const lock = {
  store: { dynamodb, tableName: env.LOCK_TABLE_NAME, now: () => new Date() },
  ttlSeconds: env.LOCK_TTL_SECONDS,
};

export const handler = stepHandler<PrepareInput, Plan>(
  'prepare-restore',
  (event) => prepareRestoreStep(event, { stepFunctions, lock }),
  { logger },
);
