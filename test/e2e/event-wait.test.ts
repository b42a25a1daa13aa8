import { StateNames as S } from '../../lib/state-names';
import { callbackOutcomes } from './callback-outcomes';
import { demoConfig, demoService } from './fleets';
import { type E2e, startE2e } from './harness';

/**
 * The drain waits on ECS's events (docs/design.md, "Waiting on ECS events"): the sandbox's ECS
 * emits SERVICE_DEPLOYMENT_COMPLETED when the old task has drained, its default bus routes it to
 * the Wake function, and Wake ends the parked Wait For Drain. The safety net is 4 × 3 s = 12 s; the
 * old task drains for 12 s from when the new one is healthy, so the drain's first check (after
 * verify, ~7 s in) finds it still draining and parks.
 */
describe('the drain, waiting on ECS events in the sandbox', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      services: [demoService('api', { desiredCount: 1, listen: 0 })],
      timing: { taskStartSeconds: 0.2, drainSeconds: 12 },
    });
  });
  afterAll(() => e2e.close());

  it('ends on the completion event (the callback), not on the safety-net timeout', async () => {
    const path = e2e.config(
      demoConfig({
        services: { api: { url: `${e2e.sandbox.loadBalancers.api}/ping` } },
        pollIntervalSeconds: 3,
      }),
    );
    const { code, report } = await e2e.deploy('2222222', path);
    expect(code).toBe(0);
    const history = await e2e.history(report.execution ?? '');

    const waits = callbackOutcomes(history, S.waitDrain);
    // Woken by Wake with ECS's event, never timed out: the drain did not wait for the poll.
    expect(waits.length).toBeGreaterThan(0);
    expect(waits.filter((wait) => wait.kind === 'timed-out')).toEqual([]);
    expect(waits.at(-1)).toEqual({
      kind: 'succeeded',
      output: expect.objectContaining({ woke: 'event', service: expect.stringMatching(/:service\/demo\/api$/) }),
    });
    // The round after that wake decided: drained.
    const entered = history.flatMap((e) => (e.stateEnteredEventDetails?.name ? [e.stateEnteredEventDetails.name] : []));
    const lastWait = entered.lastIndexOf(S.waitDrain);
    expect(entered.slice(lastWait, lastWait + 3)).toEqual([S.waitDrain, S.checkDrain, S.drainChoice]);
    expect(entered).not.toContain(S.pollDrain);
  });
});
