import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import { allowlistsFromEnv } from '../shared/allowlists';
import { CLIENT_DEFAULTS } from '../shared/client-defaults';
import { type AwsClients, clientsForRole, sessionName } from '../shared/clients';
import type { Plan, PrepareInput } from '../shared/contracts';
import * as z from '../shared/zod'; // zod/mini: tree-shakes
import { prepare } from './core';

const env = z.object({ AWS_REGION: z.string().check(z.minLength(1)) }).parse(process.env);
const allowlists = allowlistsFromEnv(process.env);
const clients = new Map<string, AwsClients>();
// The function's own credentials: the running executions are in gehen's account, not role.arn's.
const stepFunctions = new SFNClient({ ...CLIENT_DEFAULTS, region: env.AWS_REGION });

export const handler = middy<PrepareInput, Plan>().handler((event) =>
  prepare(
    event,
    (roleArn, externalId) => clientsForRole(clients, roleArn, sessionName('prepare', event.executionArn), externalId),
    {
      defaultRegion: env.AWS_REGION,
      stepFunctions,
      allowlists,
    },
  ),
);
