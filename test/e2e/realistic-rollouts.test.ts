import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { StateNames } from '../../lib/state-names';
import { circuitBreaker, demoConfig, demoService, probedServices } from './fleets';
import { type E2e, enteredStates, startE2e } from './harness';

/** The `round.status` each exit of a poll-round Task state left in the state data. */
function roundStatuses(history: readonly HistoryEvent[], state: string): string[] {
  return history.flatMap((e) => {
    const exited = e.stateExitedEventDetails;
    if (e.type !== 'TaskStateExited' || exited?.name !== state || !exited.output) return [];
    return [(JSON.parse(exited.output) as { round?: { status?: string } }).round?.status ?? ''];
  });
}

/**
 * Rollouts as ECS runs them behind an ALB (needs the ECS-realism merge): tasks start in 20 s, turn
 * healthy after 5 checks 30 s apart, and drain for the 300 s deregistration delay — all scaled by
 * `timing.scale` to run in seconds. IAM enforcement is another suite's subject.
 */
// Five batches of tasks that take 3.4 s to turn healthy and 6 s to drain (scaled): about a minute.
jest.setTimeout(180_000);

describe('gehen deploy on realistic ECS timing', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      profile: 'realistic',
      iam: 'off',
      // Healthy after 2 checks 10 s apart, failures noticed only after a 120 s grace period: a
      // healthy task always resets failedTasks before the next failure counts, so ECS's circuit
      // breaker never trips on the flaky revision (resetOnHealthyTask), and gehen must notice.
      timing: {
        scale: 0.02,
        deregistrationDelaySeconds: 300,
        healthyThresholdCount: 2,
        healthCheckIntervalSeconds: 10,
        healthCheckGracePeriodSeconds: 120,
      },
      services: [
        // Ten tasks, two at a time (maximumPercent 120), behind a load balancer gehen.yml gives no url for.
        demoService('batch', {
          desiredCount: 10,
          listen: 0,
          circuitBreaker,
          deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 120 },
        }),
        demoService('flaky', { desiredCount: 4, listen: 0, circuitBreaker }),
      ],
      // Half of the new tasks fail their health checks; each one that runs healthy resets failedTasks.
      faults: { f1f1f1f: { unhealthyFraction: 0.5 } },
    });
  });
  afterAll(() => e2e.close());

  it('calls a service without a url live once its new tasks run, leaving the old ones to drain in the drain phase', async () => {
    const path = e2e.config(demoConfig({ services: { batch: {} }, timeoutMinutes: 3 }), 'batch.yml');

    const { code, report } = await e2e.deploy('2222222', path);

    expect(code).toBe(0);
    expect(report.status).toBe('deployed');
    const history = await e2e.history(report.execution ?? '');
    // Verify ended while the old tasks were still draining (300 s deregistration delay, scaled):
    // the drain phase, not the verify phase, waited for them.
    expect(roundStatuses(history, StateNames.checkDrain)[0]).toBe('waiting');
    expect(enteredStates(history)).not.toContain(StateNames.rollBackServices);
    const service = await e2e.service('batch');
    expect(service.deployments?.map((d) => [d.taskDefinition, d.runningCount])).toEqual([
      [expect.stringMatching(/task-definition\/batch:2$/), 10],
    ]);
  });

  it('rolls back a revision whose tasks keep failing health checks though ECS resets failedTasks', async () => {
    const before = (await e2e.service('flaky')).taskDefinition;
    const path = e2e.config(
      demoConfig({ services: probedServices(e2e, ['flaky']), timeoutMinutes: 1, requiredMatches: 1 }),
      'flaky.yml',
    );

    const { code, report } = await e2e.deploy('f1f1f1f', path);

    // Not Drain Timed Out (exit 2, half deployed): gehen counted the failures ECS forgot, and rolled back.
    expect(code).toBe(1);
    expect(report.error?.code).toBe('Gehen.RolledBack');
    const history = await e2e.history(report.execution ?? '');
    expect(roundStatuses(history, StateNames.checkDrain).at(-1)).toBe('failed');
    const service = await e2e.service('flaky');
    expect(service.taskDefinition).toBe(before);
  });
});
