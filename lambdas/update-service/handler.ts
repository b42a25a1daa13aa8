import { roleClients } from '../shared/aws/clients';
import type { ServiceDeployment, UpdateServiceInput } from '../shared/contracts/state';
import { executionGuard, guardOptionsFromEnv } from '../shared/execution-guard';
import { stepHandler } from '../shared/step-handler';
import { updateService } from './core';

export const handler = stepHandler<UpdateServiceInput, ServiceDeployment>(
  'update-service',
  (event, step) => updateService(event, step.clients(event.deployment)),
  {
    clients: roleClients(),
    // The task definition it will put on the service must be of the family the plan recorded.
    guard: executionGuard(guardOptionsFromEnv(process.env), (event: UpdateServiceInput) => ({
      deployment: event.deployment,
      service: event.service,
      taskDefinition: event.registration.taskDefinition,
    })),
  },
);
