import middy from '@middy/core';
import { type AwsClients, clientsForRole, sessionName } from '../shared/clients';
import type { ScheduledTaskResult, ScheduledTaskStepInput } from '../shared/contracts';
import { updateScheduledTask } from './core';

const clients = new Map<string, AwsClients>();

export const handler = middy<ScheduledTaskStepInput, ScheduledTaskResult>().handler((event) =>
  updateScheduledTask(
    event,
    clientsForRole(
      clients,
      event.deployment.roleArn,
      sessionName('update-scheduled-task', event.deployment.executionArn),
    ),
  ),
);
