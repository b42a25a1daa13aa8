import { roleClients } from '../shared/aws/clients';
import type { RollbackResult, RollbackStepInput } from '../shared/contracts/state';
import { executionGuard, guardOptionsFromEnv, serviceClaim } from '../shared/execution-guard';
import { stepHandler } from '../shared/step-handler';
import { rollBack } from './core';

export const handler = stepHandler<RollbackStepInput, RollbackResult>(
  'roll-back',
  (event, step) => rollBack(event, step.clients(event.deployment)),
  {
    clients: roleClients(),
    guard: executionGuard(guardOptionsFromEnv(process.env), serviceClaim),
  },
);
