import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import { CLIENT_DEFAULTS } from '../shared/client-defaults';
import { type AwsClients, clientsForRole, sessionName } from '../shared/clients';
import type { Plan, PrepareInput } from '../shared/contracts';
import * as z from '../shared/zod'; // zod/mini: tree-shakes
import { prepare } from './core';

const env = z
  .object({
    AWS_REGION: z.string().check(z.minLength(1)),
    LOCK_TABLE_NAME: z.string().check(z.minLength(1)),
    LOCK_TTL_SECONDS: z.coerce.number().check(z.positive()),
  })
  .parse(process.env);
const clients = new Map<string, AwsClients>();
// The function's own credentials: the lock table is in gehen's account, not role.arn's.
const dynamodb = new DynamoDBClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION });
const lock = {
  store: { dynamodb, tableName: env.LOCK_TABLE_NAME, now: () => new Date() },
  ttlSeconds: env.LOCK_TTL_SECONDS,
};

export const handler = middy<PrepareInput, Plan>().handler((event) =>
  prepare(event, (roleArn) => clientsForRole(clients, roleArn, sessionName('prepare', event.executionArn)), {
    defaultRegion: env.AWS_REGION,
    lock,
  }),
);
