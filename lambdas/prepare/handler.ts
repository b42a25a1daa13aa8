import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { roleClients } from '../shared/aws/clients';
import { allowlistsFromEnv } from '../shared/config/allowlists';
import type { Plan, PrepareInput } from '../shared/contracts/state';
import { stepLogger } from '../shared/logger';
import { stepHandler } from '../shared/step-handler';
import * as z from '../shared/zod'; // zod/mini: tree-shakes
import { prepare } from './core';

const logger = stepLogger('prepare');
const env = z.object({ AWS_REGION: z.string().check(z.minLength(1)) }).parse(process.env);
const allowlists = allowlistsFromEnv(process.env);

export const handler = stepHandler<PrepareInput, Plan>(
  'prepare',
  (event, step) =>
    prepare(
      event,
      (roleArn, roleExternalId) => step.clients({ roleArn, roleExternalId, executionArn: event.executionArn }),
      { defaultRegion: env.AWS_REGION, allowlists },
    ),
  { logger, clients: roleClients(EventBridgeClient) },
);
