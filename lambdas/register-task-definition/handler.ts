import middy from '@middy/core';
import { type AwsClients, clientsForRole, sessionName } from '../shared/clients';
import type { RegistrationResult, ServiceStepInput } from '../shared/contracts';
import { registerTaskDefinition } from './core';

const clients = new Map<string, AwsClients>();

export const handler = middy<ServiceStepInput, RegistrationResult>().handler((event) =>
  registerTaskDefinition(
    event,
    clientsForRole(
      clients,
      event.deployment.roleArn,
      sessionName('register-task-definition', event.deployment.executionArn),
    ),
  ),
);
