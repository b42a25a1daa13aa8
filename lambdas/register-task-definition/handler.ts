import middy from '@middy/core';
import { type AwsClients, clientsForRole, sessionName } from '../shared/aws/clients';
import type { RegistrationResult, ServiceStepInput } from '../shared/contracts/state';
import { executionGuard, guardOptionsFromEnv } from '../shared/execution-guard';
import { stepLogger, stepLogging } from '../shared/logger';
import { registerTaskDefinition } from './core';

const logger = stepLogger('register-task-definition');
const guard = guardOptionsFromEnv(process.env);
const clients = new Map<string, AwsClients>();

export const handler = middy<ServiceStepInput, RegistrationResult>()
  .use(stepLogging(logger))
  .use(executionGuard(guard, (event: ServiceStepInput) => ({ deployment: event.deployment, service: event.service })))
  .handler((event) =>
    registerTaskDefinition(
      event,
      clientsForRole(
        clients,
        event.deployment.roleArn,
        sessionName('register-task-definition', event.deployment.executionArn),
        logger,
        event.deployment.roleExternalId,
      ),
    ),
  );
