import type { DeploymentReport } from '../shared/contracts/state';
import type { ReportInput } from '../shared/report/deployment-report';
import { stepHandler } from '../shared/step-handler';
import { report } from './core';
import { checkRolledBackServices, type RollbackState, summariseRollbackState } from './rollback';

/** Report steps send the report's input; the rollback's bookkeeping steps `{ action, state }`. */
export type ReportFunctionInput =
  | ReportInput
  | { action: 'check-rolled-back-services'; state: RollbackState }
  | { action: 'summarise-rollback'; state: RollbackState };

export const handler = stepHandler<ReportFunctionInput, DeploymentReport | RollbackState>('report', async (input) => {
  if (!('action' in input)) return report(input);
  return input.action === 'check-rolled-back-services'
    ? checkRolledBackServices(input.state)
    : summariseRollbackState(input.state);
});
