import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CLIENT_DEFAULTS } from './aws/client-defaults';
import { withCallLog } from './aws/clients';
import type { Logger } from './logger';
import * as z from './zod'; // zod/mini: tree-shakes

/** What Park Wait and Wake work with: the wait items' table, Step Functions, a clock. */
export interface EventWaitDeps {
  dynamodb: DynamoDBClient;
  sfn: SFNClient;
  tableName: string;
  now: () => Date;
}

/**
 * The two event-wait functions' clients, made once at cold start from their environment. The lock
 * table (which holds the wait items) and the state machine are gehen's own: the function's own
 * credentials, never role.arn.
 */
export function eventWaitDeps(env: Record<string, string | undefined>, logger: Logger): EventWaitDeps {
  const { AWS_REGION: region, LOCK_TABLE_NAME: tableName } = z
    .object({ AWS_REGION: z.string().check(z.minLength(1)), LOCK_TABLE_NAME: z.string().check(z.minLength(1)) })
    .parse(env);
  return {
    dynamodb: withCallLog(new DynamoDBClient({ ...CLIENT_DEFAULTS, region }), logger),
    sfn: withCallLog(new SFNClient({ ...CLIENT_DEFAULTS, region }), logger),
    tableName,
    now: () => new Date(),
  };
}
