import middy from '@middy/core';
import { type AwsClients, clientsForRole, sessionName } from '../shared/clients';
import { stepLogger, stepLogging } from '../shared/logger';
import { type CleanupInput, type CleanupResult, cleanUpRevisions } from './core';

const logger = stepLogger('clean-up-revisions');
const clients = new Map<string, AwsClients>();

export const handler = middy<CleanupInput, CleanupResult>()
  .use(stepLogging(logger))
  .handler((event) =>
    cleanUpRevisions(
      event,
      clientsForRole(
        clients,
        event.plan.deployment.roleArn,
        sessionName('clean-up-revisions', event.plan.deployment.executionArn),
        logger,
      ),
    ),
  );
