import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { roleClients } from '../shared/aws/clients';
import { stepHandler } from '../shared/step-handler';
import { type CleanupInput, type CleanupResult, cleanUpRevisions } from './core';

export const handler = stepHandler<CleanupInput, CleanupResult>(
  'clean-up-revisions',
  async (event, step) => {
    const result = await cleanUpRevisions(event, step.clients(event.plan.deployment));
    // Its result is discarded from the state: this line and the history are where it is read.
    step.logger.info('Revisions cleaned up', { ...result });
    return result;
  },
  { clients: roleClients(EventBridgeClient) },
);
