import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CLIENT_DEFAULTS } from '../shared/aws/client-defaults';
import { roleClients, withCallLog } from '../shared/aws/clients';
import { allowlistsFromEnv } from '../shared/config/allowlists';
import type { Plan, PrepareInput } from '../shared/contracts/state';
import { stepLogger } from '../shared/logger';
import { stepHandler } from '../shared/step-handler';
import * as z from '../shared/zod'; // zod/mini: tree-shakes
import { prepare } from './core';

const logger = stepLogger('prepare');
const env = z
  .object({
    AWS_REGION: z.string().check(z.minLength(1)),
    LOCK_TABLE_NAME: z.string().check(z.minLength(1)),
    LOCK_TTL_SECONDS: z.coerce.number().check(z.positive()),
  })
  .parse(process.env);
const allowlists = allowlistsFromEnv(process.env);
// The function's own credentials: the executions (a restore reads the stopped one's plan) and the
// lock table are in gehen's account, not role.arn's.
const stepFunctions = withCallLog(new SFNClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION }), logger);
const dynamodb = withCallLog(new DynamoDBClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION }), logger);
const lock = {
  store: { dynamodb, tableName: env.LOCK_TABLE_NAME, now: () => new Date() },
  ttlSeconds: env.LOCK_TTL_SECONDS,
};

export const handler = stepHandler<PrepareInput, Plan>(
  'prepare',
  (event, step) =>
    prepare(
      event,
      (roleArn, roleExternalId) => step.clients({ roleArn, roleExternalId, executionArn: event.executionArn }),
      {
        defaultRegion: env.AWS_REGION,
        stepFunctions,
        lock,
        allowlists,
        // IAM is global: one client per Prepare call, with the role's credentials (cached by the factory).
        iam: (clients) =>
          withCallLog(
            new IAMClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION, credentials: clients.credentials }),
            logger,
          ),
      },
    ),
  { logger, clients: roleClients(EventBridgeClient) },
);
