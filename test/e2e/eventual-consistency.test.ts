import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { StateNames } from '../../lib/state-names';
import { circuitBreaker, demoConfig, demoService, ECR, FAST, probedServices } from './fleets';
import { type E2e, enteredStates, startE2e } from './harness';

/** How many times a state was entered: a retried Task state is entered once and scheduled again. */
function lambdaAttempts(history: readonly HistoryEvent[], state: string): number {
  let inState = false;
  let attempts = 0;
  for (const event of history) {
    if (event.stateEnteredEventDetails) inState = event.stateEnteredEventDetails.name === state;
    if (inState && event.type === 'LambdaFunctionScheduled') attempts += 1;
  }
  return attempts;
}

/**
 * ECS reads lag its writes. UpdateService right after RegisterTaskDefinition can refuse the new
 * revision ("Invalid revision number", aws/amazon-ecs-agent#1354), and DescribeServices can miss
 * the deployment UpdateService just started (bugcrowd/ecs-deployment-monitor PR #2): neither is a
 * failed deployment.
 */
describe('gehen deploy while ECS reads lag its writes', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      services: [
        demoService('api', { desiredCount: 2, listen: 0, circuitBreaker }),
        demoService('worker', { desiredCount: 2, circuitBreaker }),
      ],
      timing: FAST,
      // DescribeServices and new revisions lag writes by 3 s.
      consistency: { ecsSeconds: 3 },
      apiFaults: [
        {
          operation: 'UpdateService',
          match: { service: 'api', taskDefinition: '*:2' },
          error: 'ClientException',
          message: 'Invalid revision number. Number: 2',
          count: 1,
        },
      ],
    });
  });
  afterAll(() => e2e.close());

  it('retries UpdateService when it does not see the revision just registered, and deploys', async () => {
    const path = e2e.config(demoConfig({ services: probedServices(e2e, ['api']), pollIntervalSeconds: 1 }), 'api.yml');

    const { code, report } = await e2e.deploy('2222222', path);

    expect(code).toBe(0);
    expect(report.status).toBe('deployed');
    const service = await e2e.service('api');
    expect(service.taskDefinition).toMatch(/task-definition\/api:2$/);
    expect(await e2e.images(service.taskDefinition ?? '')).toEqual({ api: `${ECR}/api:2222222` });
    const history = await e2e.history(report.execution ?? '');
    // The injected refusal, then as many as the 3 s replication lag takes: retried, never failed.
    expect(lambdaAttempts(history, StateNames.updateService)).toBeGreaterThanOrEqual(2);
    expect(enteredStates(history)).not.toContain(StateNames.rollBackServices);
  });

  it('waits, without failing, for a DescribeServices that does not show the new deployment yet', async () => {
    // A service without a url is judged on its ECS deployments alone, every round from the first.
    const path = e2e.config(demoConfig({ services: { worker: {} }, pollIntervalSeconds: 1 }), 'worker.yml');

    const { code, report } = await e2e.deploy('3333333', path);

    expect(code).toBe(0);
    expect(report.status).toBe('deployed');
    expect((await e2e.service('worker')).taskDefinition).toMatch(/task-definition\/worker:2$/);
  });
});
