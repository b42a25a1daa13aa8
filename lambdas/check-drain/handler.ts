import middy from '@middy/core';
import { type AwsClients, clientsForRole, sessionName } from '../shared/aws/clients';
import type { RoundInput, RoundState } from '../shared/contracts/state';
import { stepLogger, stepLogging } from '../shared/logger';
import { checkDrain } from './core';

const logger = stepLogger('check-drain');
// One client factory per role for the life of the container: assumed credentials are reused.
const clients = new Map<string, AwsClients>();

export const handler = middy<RoundInput, RoundState>()
  .use(stepLogging(logger))
  .handler((input) =>
    checkDrain(input, {
      clients: clientsForRole(
        clients,
        input.plan.deployment.roleArn,
        sessionName('check-drain', input.plan.deployment.executionArn),
        logger,
        input.plan.deployment.roleExternalId,
      ),
      now: () => new Date(),
    }),
  );
