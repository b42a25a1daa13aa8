import middy from '@middy/core';
import { type AwsClients, clientsForRole, sessionName } from '../shared/clients';
import type { RoundInput, RoundState } from '../shared/contracts';
import { nodeFetch } from '../shared/probe-transport';
import { probe } from './core';

// One client factory per role for the life of the container: assumed credentials are reused.
const clients = new Map<string, AwsClients>();

export const handler = middy<RoundInput, RoundState>().handler((input, context) =>
  probe(input, {
    clients: clientsForRole(
      clients,
      input.plan.deployment.roleArn,
      sessionName('probe', input.plan.deployment.executionArn),
      input.plan.deployment.roleExternalId,
    ),
    fetch: nodeFetch,
    now: () => new Date(),
    roundEndsAt: new Date(Date.now() + context.getRemainingTimeInMillis()),
  }),
);
