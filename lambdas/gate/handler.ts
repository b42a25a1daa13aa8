import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { MiddlewareObj } from '@middy/core';
import { CLIENT_DEFAULTS } from '../shared/aws/client-defaults';
import { roleClients, withCallLog } from '../shared/aws/clients';
import { authorizeClaim, guardOptionsFromEnv } from '../shared/execution-guard';
import { stepLogger } from '../shared/logger';
import { stepHandler } from '../shared/step-handler';
import { nodeFetch } from '../shared/verify/probe';
import { type GateInput, type GateResult, gate } from './core';

const logger = stepLogger('gate');
const guardOptions = guardOptionsFromEnv(process.env);
// The approval request goes to the default bus of gehen's own account: the function's own credentials.
const events = withCallLog(new EventBridgeClient({ ...CLIENT_DEFAULTS, region: guardOptions.defaultRegion }), logger);

// Continue Gate and Release Rollback At Hooks write: each must act for a running execution, on
// planned services and the planned gate (the rollback's plan keeps the services it put back).
const WRITES: ReadonlySet<GateInput['action']> = new Set(['continue', 'release-rollback']);
const continueGuard: MiddlewareObj<GateInput> = {
  before: async ({ event }) => {
    if (!WRITES.has(event.action)) return;
    const { plan } = event;
    await authorizeClaim({ deployment: plan.deployment, services: plan.services, gate: plan.gate }, guardOptions);
  },
};

export const handler = stepHandler<GateInput, GateResult>(
  'gate',
  (input, step) =>
    gate(input, {
      clients: step.clients(input.plan.deployment),
      events,
      warn: (message, error) => step.logger.warn(message, { error }),
      fetch: nodeFetch,
      now: () => new Date(),
      roundEndsAt: new Date(Date.now() + step.context.getRemainingTimeInMillis()),
    }),
  { logger, clients: roleClients(), guard: continueGuard },
);
