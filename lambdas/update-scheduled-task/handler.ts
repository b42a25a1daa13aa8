import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import middy from '@middy/core';
import { type AwsClients, clientsForRole, sessionName } from '../shared/aws/clients';
import type { ScheduledTaskResult, ScheduledTaskStepInput } from '../shared/contracts/state';
import { executionGuard, guardOptionsFromEnv } from '../shared/execution-guard';
import { stepLogger, stepLogging } from '../shared/logger';
import { updateScheduledTask } from './core';

const logger = stepLogger('update-scheduled-task');
const guard = guardOptionsFromEnv(process.env);
const clients = new Map<string, AwsClients>();

export const handler = middy<ScheduledTaskStepInput, ScheduledTaskResult>()
  .use(stepLogging(logger))
  .use(executionGuard(guard, (event: ScheduledTaskStepInput) => ({ deployment: event.deployment, rule: event.rule })))
  .handler((event) =>
    updateScheduledTask(
      event,
      clientsForRole(
        clients,
        event.deployment.roleArn,
        sessionName('update-scheduled-task', event.deployment.executionArn),
        logger,
        event.deployment.roleExternalId,
        EventBridgeClient,
      ),
    ),
  );
