import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CLIENT_DEFAULTS } from '../shared/aws/client-defaults';
import { withCallLog } from '../shared/aws/clients';
import { stepLogger } from '../shared/logger';
import { stepHandler } from '../shared/step-handler';
import * as z from '../shared/zod'; // zod/mini: tree-shakes
import { type EcsEvent, type WakeResult, wake } from './core';

const logger = stepLogger('wake');
const env = z
  .object({ AWS_REGION: z.string().check(z.minLength(1)), LOCK_TABLE_NAME: z.string().check(z.minLength(1)) })
  .parse(process.env);
// The lock table and the state machine are gehen's own: the function's own credentials.
const deps = {
  dynamodb: withCallLog(new DynamoDBClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION }), logger),
  sfn: withCallLog(new SFNClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION }), logger),
  tableName: env.LOCK_TABLE_NAME,
  now: () => new Date(),
};

/** EventBridge invokes it asynchronously with an ECS event; an error is retried by Lambda's async retries. */
export const handler = stepHandler<EcsEvent, WakeResult>('wake', (event) => wake(event, deps), { logger });
