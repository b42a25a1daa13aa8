import middy from '@middy/core';
import { type AwsClients, clientsForRole, sessionName } from '../shared/clients';
import type { RollbackResult, RollbackStepInput } from '../shared/contracts';
import { rollBack } from './core';

const clients = new Map<string, AwsClients>();

export const handler = middy<RollbackStepInput, RollbackResult>().handler((event) =>
  rollBack(
    event,
    clientsForRole(clients, event.deployment.roleArn, sessionName('roll-back', event.deployment.executionArn)),
  ),
);
