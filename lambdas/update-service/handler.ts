import middy from '@middy/core';
import { type AwsClients, clientsForRole, sessionName } from '../shared/aws/clients';
import type { ServiceDeployment, UpdateServiceInput } from '../shared/contracts/state';
import { executionGuard, guardOptionsFromEnv } from '../shared/execution-guard';
import { stepLogger, stepLogging } from '../shared/logger';
import { updateService } from './core';

const logger = stepLogger('update-service');
const guard = guardOptionsFromEnv(process.env);
const clients = new Map<string, AwsClients>();

export const handler = middy<UpdateServiceInput, ServiceDeployment>()
  .use(stepLogging(logger))
  .use(
    executionGuard(guard, (event: UpdateServiceInput) => ({
      deployment: event.deployment,
      service: event.service,
      taskDefinition: event.registration.taskDefinition,
    })),
  )
  .handler((event) =>
    updateService(
      event,
      clientsForRole(
        clients,
        event.deployment.roleArn,
        sessionName('update-service', event.deployment.executionArn),
        logger,
        event.deployment.roleExternalId,
      ),
    ),
  );
