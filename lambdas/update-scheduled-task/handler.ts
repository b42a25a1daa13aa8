import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { roleClients } from '../shared/aws/clients';
import type { ScheduledTaskResult, ScheduledTaskStepInput } from '../shared/contracts/state';
import { executionGuard, guardOptionsFromEnv } from '../shared/execution-guard';
import { stepHandler } from '../shared/step-handler';
import { updateScheduledTask } from './core';

export const handler = stepHandler<ScheduledTaskStepInput, ScheduledTaskResult>(
  'update-scheduled-task',
  (event, step) => updateScheduledTask(event, step.clients(event.deployment)),
  {
    clients: roleClients(EventBridgeClient),
    guard: executionGuard(guardOptionsFromEnv(process.env), (event: ScheduledTaskStepInput) => ({
      deployment: event.deployment,
      rule: event.rule,
    })),
  },
);
