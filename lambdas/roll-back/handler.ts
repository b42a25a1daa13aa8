import middy from '@middy/core';
import { type AwsClients, clientsForRole, sessionName } from '../shared/aws/clients';
import type { RollbackResult, RollbackStepInput } from '../shared/contracts/state';
import { executionGuard, guardOptionsFromEnv } from '../shared/execution-guard';
import { stepLogger, stepLogging } from '../shared/logger';
import { rollBack } from './core';

const logger = stepLogger('roll-back');
const guard = guardOptionsFromEnv(process.env);
const clients = new Map<string, AwsClients>();

export const handler = middy<RollbackStepInput, RollbackResult>()
  .use(stepLogging(logger))
  .use(executionGuard(guard, (event: RollbackStepInput) => ({ deployment: event.deployment, service: event.service })))
  .handler((event) =>
    rollBack(
      event,
      clientsForRole(
        clients,
        event.deployment.roleArn,
        sessionName('roll-back', event.deployment.executionArn),
        logger,
        event.deployment.roleExternalId,
      ),
    ),
  );
