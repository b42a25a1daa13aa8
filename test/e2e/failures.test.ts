import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { StateNames } from '../../lib/state-names';
import {
  circuitBreaker,
  demoConfig,
  demoService,
  ECR,
  FAST,
  itOn,
  nightlyReport,
  onProfile,
  PROFILES,
  probedServices,
} from './fleets';
import { type E2e, enteredStates, startE2e } from './harness';

/** A service behind a load balancer, with two tasks and a circuit breaker. */
const served = (name: string, tag?: string) => demoService(name, { desiredCount: 2, listen: 0, circuitBreaker, tag });

/** The `round.status` each exit of a poll-round Task state left in the state data. */
function roundStatuses(history: readonly HistoryEvent[], state: string): string[] {
  return history.flatMap((e) => {
    const exited = e.stateExitedEventDetails;
    if (e.type !== 'TaskStateExited' || exited?.name !== state || !exited.output) return [];
    return [(JSON.parse(exited.output) as { round?: { status?: string } }).round?.status ?? ''];
  });
}

describe.each(PROFILES)('gehen deploy when things go wrong (%s)', (profile) => {
  const realisticFails = itOn(profile);
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(
      onProfile(profile, {
        services: [
          served('api'),
          served('web'),
          served('lagging'),
          // Its running tasks, once stopped, drain for an hour.
          served('sticky', 'd0d0d0d'),
          { ...served('crashy'), listen: undefined },
        ],
        scheduledTasks: [nightlyReport],
        timing: FAST,
        faults: {
          a1a1a1a: 'unhealthy',
          b2b2b2b: { reports: '1111111' },
          d0d0d0d: { drainSeconds: 3600 },
          bad0000: 'crash',
        },
      }),
    );
  });
  afterAll(() => e2e.close());

  /** A gehen.yml for the named services, each probed through its load balancer when it has one. */
  function config(services: string[], options: { timeoutMinutes?: number; rule?: boolean } = {}): string {
    // Realistic rollouts (health checks, deregistration) share two cores with another jest worker:
    // phases get room to finish, so only the tests about deadlines meet one.
    const timeout = options.timeoutMinutes ?? (profile === 'realistic' ? 1.5 : 1);
    return e2e.config(
      demoConfig({
        services: probedServices(e2e, services),
        scheduledTasks: options.rule ? ['nightly-report'] : [],
        timeoutMinutes: timeout,
      }),
      `${services.join('-')}-${timeout}${options.rule ? '-rule' : ''}.yml`,
    );
  }

  const taskDefinitions = (names: string[]) =>
    Promise.all(names.map(async (name) => (await e2e.service(name)).taskDefinition));

  it('rolls every service back onto its exact previous revision when the new image is unhealthy', async () => {
    const before = await taskDefinitions(['api', 'web']);

    const { code, report } = await e2e.deploy('a1a1a1a', config(['api', 'web']));

    // The whole report on a mismatch: its error says which phase ended the run.
    expect({ exit: code, ...report }).toMatchObject({ exit: 1, error: { code: 'Gehen.RolledBack' } });
    expect(await taskDefinitions(['api', 'web'])).toEqual(before);
    for (const [index, name] of ['api', 'web'].entries()) {
      // The unhealthy revision was registered and deployed before the rollback.
      expect(await e2e.revisions(name)).toContainEqual(expect.stringMatching(new RegExp(`/${name}:2$`)));
      const service = await e2e.service(name);
      expect(service.deployments?.map((d) => [d.taskDefinition, d.rolloutState])).toEqual([
        [before[index], 'COMPLETED'],
      ]);
    }
    // Rolled back for the unhealthy tasks: the new version was deployed and probed first.
    expect(enteredStates(await e2e.history(report.execution ?? ''))).toContain(StateNames.probe);
  });

  realisticFails('rolls back when the new version never appears by the deadline', async () => {
    const before = await taskDefinitions(['lagging']);

    const { code, report } = await e2e.deploy('b2b2b2b', config(['lagging'], { timeoutMinutes: 0.1 }));

    expect(code).toBe(1);
    expect(report.error?.code).toBe('Gehen.RolledBack');
    const history = await e2e.history(report.execution ?? '');
    expect(roundStatuses(history, StateNames.probe).at(-1)).toBe('expired');
    expect(enteredStates(history)).toContain(StateNames.rollBackServices);
    expect(await taskDefinitions(['lagging'])).toEqual(before);
    expect((await e2e.service('lagging')).deployments).toHaveLength(1);
  });

  realisticFails('exits 2 without rolling back when the old version never drains', async () => {
    const [previous] = await taskDefinitions(['sticky']);

    const { code, report } = await e2e.deploy('c3c3c3c', config(['sticky'], { timeoutMinutes: 0.1 }));

    expect(code).toBe(2);
    expect(report).toMatchObject({ status: 'timed-out', error: { code: 'Gehen.DrainTimedOut' } });
    const service = await e2e.service('sticky');
    expect(service.deployments?.map((d) => [d.status, d.taskDefinition, d.runningCount])).toEqual([
      ['PRIMARY', expect.stringMatching(/task-definition\/sticky:2$/), 2],
      ['ACTIVE', previous, 2],
    ]);
    expect(await e2e.images(service.taskDefinition ?? '')).toEqual({ sticky: `${ECR}/sticky:c3c3c3c` });
    const states = enteredStates(await e2e.history(report.execution ?? ''));
    expect(states).toContain(StateNames.drainTimedOut);
    expect(states).not.toContain(StateNames.rollBackServices);
  });

  it('fails in Prepare, naming the missing service, with nothing registered or updated', async () => {
    const fleet = ['api', 'web', 'lagging', 'crashy'];
    const snapshot = async () => ({
      revisions: await e2e.revisions(),
      services: (await e2e.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: fleet }))).services?.map(
        (s) => [s.serviceName, s.taskDefinition, s.deployments?.map((d) => d.id)],
      ),
      targets: await e2e.targets('nightly-report'),
    });
    const before = await snapshot();
    const writes = async () => {
      const calls = await e2e.calls();
      return ['ecs:RegisterTaskDefinition', 'ecs:UpdateService', 'events:PutTargets'].map((c) => calls[c] ?? 0);
    };
    const writesBefore = await writes();

    const { code, report } = await e2e.deploy('e4e4e4e', config(['api', 'ghost', 'crashy'], { rule: true }));

    expect(code).toBe(1);
    expect(report.error?.code).toBe('Gehen.InvalidDeployment');
    expect(report.error?.message).toContain('services.ghost: no such service in cluster demo');
    expect(await snapshot()).toEqual(before);
    expect(await writes()).toEqual(writesBefore);
  });

  realisticFails('rolls a scheduled task back with the services when the image crashes', async () => {
    const [previous] = await taskDefinitions(['crashy']);
    const targetsBefore = await e2e.targets('nightly-report');

    const { code, report } = await e2e.deploy('bad0000', config(['crashy'], { rule: true }));

    expect(code).toBe(1);
    expect(report.error?.code).toBe('Gehen.RolledBack');
    expect(await taskDefinitions(['crashy'])).toEqual([previous]);
    // Rolled back for the crash: ECS's circuit breaker failed the deployment.
    expect(report.services[0]?.reason).toMatch(/circuit breaker/);
    expect(await e2e.targets('nightly-report')).toEqual(targetsBefore);
    // It had been changed: a revision of the crashing image was registered for it, then put back.
    expect(report.scheduledTasks[0]?.targets[0]?.taskDefinition).toMatch(/task-definition\/report:2$/);
    expect(await e2e.images(report.scheduledTasks[0]?.targets[0]?.taskDefinition ?? '')).toEqual({
      report: `${ECR}/report:bad0000`,
    });
    expect(enteredStates(await e2e.history(report.execution ?? ''))).toContain(StateNames.rollBackScheduledTask);
  });
});
