import { roleClients } from '../shared/aws/clients';
import type { RegistrationResult, ServiceStepInput } from '../shared/contracts/state';
import { executionGuard, guardOptionsFromEnv, serviceClaim } from '../shared/execution-guard';
import { stepHandler } from '../shared/step-handler';
import { registerTaskDefinition } from './core';

export const handler = stepHandler<ServiceStepInput, RegistrationResult>(
  'register-task-definition',
  (event, step) => registerTaskDefinition(event, step.clients(event.deployment)),
  {
    clients: roleClients(),
    guard: executionGuard(guardOptionsFromEnv(process.env), serviceClaim),
  },
);
