import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import middy from '@middy/core';
import { type AwsClients, clientsForRole, sessionName } from '../shared/aws/clients';
import { stepLogger, stepLogging } from '../shared/logger';
import { type CleanupInput, type CleanupResult, cleanUpRevisions } from './core';

const logger = stepLogger('clean-up-revisions');
const clients = new Map<string, AwsClients>();

export const handler = middy<CleanupInput, CleanupResult>()
  .use(stepLogging(logger))
  .handler(async (event) => {
    const { roleArn, roleExternalId, executionArn } = event.plan.deployment;
    const result = await cleanUpRevisions(
      event,
      clientsForRole(
        clients,
        roleArn,
        sessionName('clean-up-revisions', executionArn),
        logger,
        roleExternalId,
        EventBridgeClient,
      ),
    );
    // Its result is discarded from the state: this line and the history are where it is read.
    logger.info('Revisions cleaned up', { ...result });
    return result;
  });
