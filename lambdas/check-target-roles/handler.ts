import { IAMClient } from '@aws-sdk/client-iam';
import { CLIENT_DEFAULTS } from '../shared/aws/client-defaults';
import { roleClients, withCallLog } from '../shared/aws/clients';
import { stepLogger } from '../shared/logger';
import { stepHandler } from '../shared/step-handler';
import * as z from '../shared/zod'; // zod/mini: tree-shakes
import { type CheckTargetRolesInput, checkScheduledTaskRoles } from './core';

const logger = stepLogger('check-target-roles');
const env = z.object({ AWS_REGION: z.string().check(z.minLength(1)) }).parse(process.env);

export const handler = stepHandler<CheckTargetRolesInput, null>(
  'check-target-roles',
  async (event, step) => {
    // IAM is global: one client per call, with role.arn's credentials (cached by the role clients).
    const iam = () =>
      withCallLog(
        new IAMClient({
          ...CLIENT_DEFAULTS,
          region: env.AWS_REGION,
          credentials: step.clients(event.plan.deployment).credentials,
        }),
        logger,
      );
    await checkScheduledTaskRoles(event, iam);
    return null;
  },
  { logger, clients: roleClients() },
);
