import middy from '@middy/core';
import type { DeploymentReport } from '../shared/contracts/state';
import { stepLogger, stepLogging } from '../shared/logger';
import type { ReportInput } from '../shared/report/deployment-report';
import { report } from './core';
import { checkRolledBackServices, type RollbackState, summariseRollbackState } from './rollback';

/** Report steps send the report's input; the rollback's bookkeeping steps `{ action, state }`. */
export type ReportFunctionInput =
  | ReportInput
  | { action: 'check-rolled-back-services'; state: RollbackState }
  | { action: 'summarise-rollback'; state: RollbackState };

const logger = stepLogger('report');
export const handler = middy<ReportFunctionInput, DeploymentReport | RollbackState>()
  .use(stepLogging(logger))
  .handler(async (input) => {
    if (!('action' in input)) return report(input);
    return input.action === 'check-rolled-back-services'
      ? checkRolledBackServices(input.state)
      : summariseRollbackState(input.state);
  });
