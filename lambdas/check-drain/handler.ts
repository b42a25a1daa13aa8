import middy from '@middy/core';
import { type AwsClients, clientsForRole, sessionName } from '../shared/clients';
import type { RoundInput, RoundState } from '../shared/contracts';
import { checkDrain } from './core';

// One client factory per role for the life of the container: assumed credentials are reused.
const clients = new Map<string, AwsClients>();

export const handler = middy<RoundInput, RoundState>().handler((input) =>
  checkDrain(input, {
    clients: clientsForRole(
      clients,
      input.plan.deployment.roleArn,
      sessionName('check-drain', input.plan.deployment.executionArn),
      input.plan.deployment.roleExternalId,
    ),
    now: () => new Date(),
  }),
);
