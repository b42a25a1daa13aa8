import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import { CLIENT_DEFAULTS } from '../shared/aws/client-defaults';
import { type AwsClients, clientsForRole, sessionName, withCallLog } from '../shared/aws/clients';
import { allowlistsFromEnv } from '../shared/config/allowlists';
import type { Plan, PrepareInput } from '../shared/contracts/state';
import { stepLogger, stepLogging } from '../shared/logger';
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
const clients = new Map<string, AwsClients>();
// The function's own credentials: the executions (a restore reads the stopped one's plan) and the
// lock table are in gehen's account, not role.arn's.
const stepFunctions = withCallLog(new SFNClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION }), logger);
const dynamodb = withCallLog(new DynamoDBClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION }), logger);
const lock = {
  store: { dynamodb, tableName: env.LOCK_TABLE_NAME, now: () => new Date() },
  ttlSeconds: env.LOCK_TTL_SECONDS,
};

export const handler = middy<PrepareInput, Plan>()
  .use(stepLogging(logger))
  .handler((event) =>
    prepare(
      event,
      (roleArn, externalId) =>
        clientsForRole(
          clients,
          roleArn,
          sessionName('prepare', event.executionArn),
          logger,
          externalId,
          EventBridgeClient,
        ),
      {
        defaultRegion: env.AWS_REGION,
        stepFunctions,
        lock,
        allowlists,
        // IAM is global: one client per Prepare call, with the role's credentials (cached by the factory).
        iam: (roleClients) =>
          withCallLog(
            new IAMClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION, credentials: roleClients.credentials }),
            logger,
          ),
      },
    ),
  );
