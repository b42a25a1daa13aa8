import { roleClients } from '../shared/aws/clients';
import type { RoundInput, RoundState } from '../shared/contracts/state';
import { stepHandler } from '../shared/step-handler';
import { checkDrain } from './core';

export const handler = stepHandler<RoundInput, RoundState>(
  'check-drain',
  (input, step) => checkDrain(input, { clients: step.clients(input.plan.deployment), now: () => new Date() }),
  { clients: roleClients() },
);
