import { StateNames } from '../../lib/state-names';
import { circuitBreaker, demoConfig, demoService, FAST, itOn, nightlyReport, onProfile, PROFILES } from './fleets';
import { type E2e, enteredStates, startE2e } from './harness';

/**
 * The new version: it runs healthy, and once stopped its tasks drain for 100 modelled hours (an hour
 * on the realistic profile's 1/100 scale): past the deadline on both profiles.
 */
const STUCK = 'f5f5f5f';

describe.each(PROFILES)('gehen deploy when the rollback itself does not finish (%s)', (profile) => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(
      onProfile(profile, {
        services: [
          demoService('stuck', { desiredCount: 2, listen: 0, circuitBreaker }),
          // Serves decoy-1111111: probed instead of stuck, it never shows the new SHA.
          demoService('decoy', { listen: 0 }),
        ],
        scheduledTasks: [nightlyReport],
        timing: FAST,
        faults: { [STUCK]: { drainSeconds: 360_000 } },
      }),
    );
  });
  afterAll(() => e2e.close());

  itOn(profile)('still puts the scheduled task back when the rollback drain times out', async () => {
    const { taskDefinition: previous } = await e2e.service('stuck');
    const targetsBefore = await e2e.targets('nightly-report');
    // The url answers with the previous SHA only: the new version is never seen live, so gehen
    // rolls back; the new version's tasks then drain past the deadline.
    const path = e2e.config(
      demoConfig({
        services: { stuck: { url: `${e2e.sandbox.loadBalancers.decoy}/` } },
        scheduledTasks: ['nightly-report'],
        timeoutMinutes: 0.1,
      }),
    );

    const { code, report } = await e2e.deploy(STUCK, path);

    expect(code).toBe(2);
    expect(report).toMatchObject({ status: 'timed-out', error: { code: 'Gehen.RollbackTimedOut' } });
    // The rule had been moved to a revision of the new image, and is back on its previous one.
    expect(report.scheduledTasks[0]?.targets[0]?.taskDefinition).toMatch(/task-definition\/report:2$/);
    expect(await e2e.targets('nightly-report')).toEqual(targetsBefore);
    expect(report.scheduledTasks[0]?.outcome).toBe('rolled-back');
    expect(report.services[0]?.outcome).toBe('timed-out');
    // The service is on its previous revision, the new one still draining.
    const service = await e2e.service('stuck');
    expect(service.taskDefinition).toBe(previous);
    expect(service.deployments?.map((d) => d.taskDefinition)).toEqual([
      previous,
      expect.stringMatching(/task-definition\/stuck:2$/),
    ]);
    const states = enteredStates(await e2e.history(report.execution ?? ''));
    expect(states.slice(states.indexOf(StateNames.recordRollbackTimedOut))).toEqual([
      StateNames.recordRollbackTimedOut,
      StateNames.rollBackScheduledTasks,
      StateNames.rollBackScheduledTask,
      StateNames.summariseRollback,
      StateNames.rollbackOutcomeChoice,
      StateNames.releaseLockRollbackTimedOut,
      StateNames.notifyRollbackTimedOut,
      StateNames.rollbackTimedOut,
    ]);
  });
});
