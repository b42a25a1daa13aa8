import { roleClients } from '../shared/aws/clients';
import type { RoundInput, RoundState } from '../shared/contracts/state';
import { stepHandler } from '../shared/step-handler';
import { nodeFetch } from '../shared/verify/probe';
import { probe } from './core';

export const handler = stepHandler<RoundInput, RoundState>(
  'probe',
  (input, step) =>
    probe(input, {
      clients: step.clients(input.plan.deployment),
      fetch: nodeFetch,
      now: () => new Date(),
      roundEndsAt: new Date(Date.now() + step.context.getRemainingTimeInMillis()),
    }),
  { clients: roleClients() },
);
