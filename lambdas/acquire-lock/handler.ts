import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CLIENT_DEFAULTS } from '../shared/aws/client-defaults';
import { withCallLog } from '../shared/aws/clients';
import type { Plan } from '../shared/contracts/state';
import { stepLogger } from '../shared/logger';
import { stepHandler } from '../shared/step-handler';
import * as z from '../shared/zod'; // zod/mini: tree-shakes
import { type AcquireLockInput, acquireDeploymentLock } from './core';

const logger = stepLogger('acquire-lock');
const env = z
  .object({
    AWS_REGION: z.string().check(z.minLength(1)),
    LOCK_TABLE_NAME: z.string().check(z.minLength(1)),
    LOCK_TTL_SECONDS: z.coerce.number().check(z.positive()),
  })
  .parse(process.env);
// The lock table is in gehen's own account: the function's own credentials, never role.arn's.
const dynamodb = withCallLog(new DynamoDBClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION }), logger);
const lock = {
  store: { dynamodb, tableName: env.LOCK_TABLE_NAME, now: () => new Date() },
  ttlSeconds: env.LOCK_TTL_SECONDS,
};

export const handler = stepHandler<AcquireLockInput, Plan>(
  'acquire-lock',
  (event) => acquireDeploymentLock(event, lock),
  { logger },
);
