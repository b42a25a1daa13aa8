import middy from '@middy/core';
import { type AwsClients, clientsForRole, sessionName } from '../shared/aws/clients';
import type { RoundInput, RoundState } from '../shared/contracts/state';
import { stepLogger, stepLogging } from '../shared/logger';
import { nodeFetch } from '../shared/verify/probe';
import { probe } from './core';

const logger = stepLogger('probe');
// One client factory per role for the life of the container: assumed credentials are reused.
const clients = new Map<string, AwsClients>();

export const handler = middy<RoundInput, RoundState>()
  .use(stepLogging(logger))
  .handler((input, context) =>
    probe(input, {
      clients: clientsForRole(
        clients,
        input.plan.deployment.roleArn,
        sessionName('probe', input.plan.deployment.executionArn),
        logger,
        input.plan.deployment.roleExternalId,
      ),
      fetch: nodeFetch,
      now: () => new Date(),
      roundEndsAt: new Date(Date.now() + context.getRemainingTimeInMillis()),
    }),
  );
