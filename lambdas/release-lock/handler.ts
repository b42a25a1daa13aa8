import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import { CLIENT_DEFAULTS } from '../shared/aws/client-defaults';
import * as z from '../shared/zod'; // zod/mini: tree-shakes
import { type ReleaseLockInput, type ReleaseLockResult, releaseDeploymentLock } from './core';

const env = z
  .object({ AWS_REGION: z.string().check(z.minLength(1)), LOCK_TABLE_NAME: z.string().check(z.minLength(1)) })
  .parse(process.env);
// The lock table is in gehen's own account: the function's own credentials.
const dynamodb = new DynamoDBClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION });
const store = { dynamodb, tableName: env.LOCK_TABLE_NAME, now: () => new Date() };

export const handler = middy<ReleaseLockInput, ReleaseLockResult>().handler((input) =>
  releaseDeploymentLock(input, store),
);
