import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { CLIENT_DEFAULTS } from '../shared/aws/client-defaults';
import * as z from '../shared/zod'; // zod/mini: tree-shakes
import { type ReleaseLockInput, type ReleaseLockResult, releaseDeploymentLock } from './core';

const env = z
  .object({ AWS_REGION: z.string().check(z.minLength(1)), LOCK_TABLE_NAME: z.string().check(z.minLength(1)) })
  .parse(process.env);
// The lock table is in gehen's own account: the function's own credentials.
const dynamodb = new DynamoDBClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION });
const store = { dynamodb, tableName: env.LOCK_TABLE_NAME, now: () => new Date() };

/**
 * Not a stepHandler: Release Lock also runs outside any execution's steps (EventBridge delivers it
 * an aborted execution's status change), acts as no role, and logs nothing of its own.
 */
export const handler = (input: ReleaseLockInput, _context?: Context): Promise<ReleaseLockResult> =>
  releaseDeploymentLock(input, store);
