import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { AwsClients } from '../shared/aws/clients';
import type { ReleaseRollbackInput, RoundState } from '../shared/contracts/state';
import { type RequestApprovalInput, type RequestApprovalResult, requestApproval } from './approval';
import { type ContinueGateInput, type ContinueGateResult, continueGate } from './continue';
import { releaseRollback } from './release-rollback';
import { type GateRoundDeps, type GateRoundInput, gateRound } from './round';

/**
 * The gate step: one Lambda for the three states of the gate phase and for Release Rollback At
 * Hooks, the rollback's round that continues its own deployments past the gate's PAUSE hooks
 * (docs/steps.md, The gate), told apart by `action`, as Report's are.
 */
export type GateInput =
  | ({ action: 'check' } & GateRoundInput)
  | ({ action: 'request-approval' } & RequestApprovalInput)
  | ({ action: 'continue' } & ContinueGateInput)
  | ({ action: 'release-rollback' } & ReleaseRollbackInput);

export type GateResult = RoundState | RequestApprovalResult | ContinueGateResult;

export interface GateDeps extends GateRoundDeps {
  /** The default bus of gehen's own account: the approval request goes there. */
  events: EventBridgeClient;
  warn: (message: string, error: unknown) => void;
  clients: Pick<AwsClients, 'ecs'>;
}

export function gate(input: GateInput, deps: GateDeps): Promise<GateResult> {
  switch (input.action) {
    case 'check':
      return gateRound(input, deps);
    case 'request-approval':
      return requestApproval(input, deps.events, deps.warn);
    case 'continue':
      return continueGate(input, deps.clients);
    case 'release-rollback':
      return releaseRollback(input, deps.clients, deps.now);
  }
}
