import { invocationKeys } from '../../../lambdas/shared/logger';
import { deployment, NEW_SHA, plannedRule, plannedService } from './deploy-fixtures';

const EXECUTION = deployment().executionArn;
const plan = { deployment: deployment(), services: [plannedService()], scheduledTasks: [] };

describe('invocationKeys', () => {
  test.each<[string, unknown, Record<string, string>]>([
    [
      'Prepare',
      { execution: { gitsha: 'abc1234', config: { services: [] } }, executionArn: EXECUTION },
      { executionArn: EXECUTION, gitsha: 'abc1234' },
    ],
    [
      'a Deploy Services iteration',
      { service: plannedService(), deployment: deployment() },
      { executionArn: EXECUTION, gitsha: NEW_SHA, ecsService: 'api' },
    ],
    [
      'an Update Scheduled Tasks iteration',
      { rule: plannedRule(), deployment: deployment(), mode: 'deploy' },
      { executionArn: EXECUTION, gitsha: NEW_SHA, rule: 'nightly-report' },
    ],
    ['a poll round', { plan, deployed: [], expect: 'new', round: null }, { executionArn: EXECUTION, gitsha: NEW_SHA }],
    [
      'the rollback bookkeeping',
      { action: 'summarise-rollback', state: { plan } },
      { executionArn: EXECUTION, gitsha: NEW_SHA },
    ],
    [
      'Notify on success',
      { report: { execution: EXECUTION, gitsha: NEW_SHA, status: 'deployed' } },
      { executionArn: EXECUTION, gitsha: NEW_SHA },
    ],
    [
      'Prepare with a gitsha that is no SHA',
      { execution: { gitsha: 'hunter2 is my password' }, executionArn: EXECUTION },
      { executionArn: EXECUTION },
    ],
    ['an event of another shape', { hello: 'world', service: 'api' }, {}],
    ['no event at all', null, {}],
  ])('picks the keys of %s, and nothing else', (_, event, keys) => {
    expect(invocationKeys(event)).toEqual(keys);
  });
});
