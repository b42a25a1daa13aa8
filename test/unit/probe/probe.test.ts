import { DescribeServicesCommand, ECSClient, type Service } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { probe } from '../../../lambdas/probe/core';
import { DeploymentFailedError, TransientAwsError } from '../../../lambdas/shared/contracts/errors';
import type { PlannedService, RoundInput } from '../../../lambdas/shared/contracts/state';
import { closeAll, hangingServer, serverAnswering } from '../shared/http-fixtures';
import {
  clusterArn,
  deployment,
  describeServicesFrom,
  ecsService,
  GITSHA,
  makePlan,
  OLD_SHA,
  plannedService,
  ROUND_ONE,
  roundInput,
  taskDefinitionArn,
} from '../shared/round-fixtures';

const ecs = mockClient(ECSClient);
const NOW = new Date('2030-01-01T00:00:00.000Z');
let fleet: Map<string, Service>;

const deps = (now = NOW) => ({
  clients: { ecs: (region: string) => new ECSClient({ region }) },
  fetch,
  now: () => now,
  // Loopback answers in milliseconds, but a loaded 2-core machine can stall one past 300 ms: the
  // only probe meant to time out (a hanging server) waits this long.
  probeTimeoutMs: 2000,
});

/** Puts a service in the fake fleet, its PRIMARY deployment on `revision`. */
function runs(service: PlannedService, revision: number, overrides: Parameters<typeof deployment>[1] = {}): void {
  fleet.set(service.name, ecsService(service, [deployment(taskDefinitionArn(service.name, revision), overrides)]));
}

beforeEach(() => {
  ecs.reset();
  fleet = new Map();
  ecs.on(DescribeServicesCommand).callsFake(describeServicesFrom(fleet));
});

afterAll(closeAll);

describe('probe', () => {
  it('calls a service live once it answers the new SHA requiredMatches times in a row', async () => {
    const server = await serverAnswering('api', () => GITSHA.slice(0, 7));
    const api = plannedService('api', { url: server.url });
    runs(api, 2, { rolloutState: 'IN_PROGRESS' });

    const state = await probe(roundInput(makePlan([api], { requiredMatches: 3 })), deps());

    expect(state).toEqual({
      status: 'done',
      round: 1,
      deadline: '2030-01-01T00:10:00.000Z',
      done: 1,
      total: 1,
      waiting: [],
      failures: [],
      confirmed: [0],
    });
    expect(server.requests).toBe(3);
  });

  it('does not count a single matching answer as live', async () => {
    let request = 0;
    const server = await serverAnswering('api', () => (request++ === 0 ? GITSHA : OLD_SHA));
    const api = plannedService('api', { url: server.url });
    runs(api, 2, { rolloutState: 'IN_PROGRESS' });

    const state = await probe(roundInput(makePlan([api])), deps());

    expect(state).toMatchObject({ status: 'waiting', done: 0, waiting: ['api'] });
  });

  it('finishes the round when a service never answers, and keeps it waiting', async () => {
    const hanging = await hangingServer();
    const live = await serverAnswering('web', () => GITSHA);
    const api = plannedService('api', { url: hanging.url });
    const web = plannedService('web', { url: live.url });
    runs(api, 2);
    runs(web, 2);

    const state = await probe(roundInput(makePlan([api, web])), deps());

    expect(state).toMatchObject({ status: 'waiting', done: 1, total: 2, waiting: ['api'], failures: [] });
  });

  it("fails the round when ECS's circuit breaker failed the new revision, whatever the url answers", async () => {
    // The old version still answers; ECS is rolling back by itself.
    const server = await serverAnswering('api', () => GITSHA);
    const api = plannedService('api', { url: server.url });
    fleet.set(
      api.name,
      ecsService(api, [
        deployment(taskDefinitionArn('api', 1), { rolloutState: 'IN_PROGRESS' }),
        deployment(taskDefinitionArn('api', 2), {
          status: 'ACTIVE',
          rolloutState: 'FAILED',
          rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
        }),
      ]),
    );

    const state = await probe(roundInput(makePlan([api])), deps());

    expect(state.status).toBe('failed');
    expect(state.failures).toEqual([
      {
        service: 'api',
        reason: expect.stringMatching(
          /^ECS failed the deployment of api:2 \(ecs-svc\/[^)]*\): ECS deployment circuit breaker/,
        ),
      },
    ]);
  });

  it('fails a service that is missing or no longer active', async () => {
    const gone = plannedService('gone');
    const inactive = plannedService('inactive');
    fleet.set(inactive.name, { ...ecsService(inactive, []), status: 'INACTIVE' });

    const state = await probe(roundInput(makePlan([gone, inactive])), deps());

    expect(state.status).toBe('failed');
    expect(state.failures).toEqual([
      { service: 'gone', reason: `service gone not found in ${clusterArn()}: MISSING` },
      { service: 'inactive', reason: 'service inactive is INACTIVE' },
    ]);
  });

  describe('a service without a url', () => {
    test.each([
      { name: 'the new revision COMPLETED', revision: 2, rollout: 'COMPLETED', state: 'done' },
      {
        name: 'the new revision IN_PROGRESS, 1 of 2 running',
        revision: 2,
        rollout: 'IN_PROGRESS',
        running: 1,
        state: 'waiting',
      },
      // Live before COMPLETED: ECS wants no old task any more, only their draining is left.
      {
        name: 'the new revision IN_PROGRESS, 2 of 2 running',
        revision: 2,
        rollout: 'IN_PROGRESS',
        running: 2,
        state: 'done',
      },
      {
        name: 'a controller without rolloutState, all running',
        revision: 2,
        rollout: undefined,
        running: 2,
        state: 'done',
      },
      {
        name: 'ECS having rolled back to the old revision',
        revision: 1,
        rollout: undefined,
        running: 2,
        state: 'failed',
      },
    ] as const)('with $name is $state', async ({ revision, rollout, running, state }) => {
      const worker = plannedService('worker');
      runs(worker, revision, { rolloutState: rollout, runningCount: running });
      const round = await probe(roundInput(makePlan([worker])), deps());
      expect(round.status).toBe(state);
    });

    it('is live after a rollback once the previous revision is back (the original always failed it)', async () => {
      const worker = plannedService('worker');
      runs(worker, 1);
      const input: RoundInput = { ...roundInput(makePlan([worker])), expect: 'previous' };

      await expect(probe(input, deps())).resolves.toMatchObject({ status: 'done', done: 1 });
    });

    it('counts live under updateStrategy none, where nothing was deployed', async () => {
      const worker = plannedService('worker');
      runs(worker, 1);
      const state = await probe(roundInput(makePlan([worker], { updateStrategy: 'none' })), deps());
      expect(state).toMatchObject({ status: 'done', done: 1 });
    });
  });

  it('probes the previous SHA in a rollback', async () => {
    const server = await serverAnswering('api', () => OLD_SHA);
    const api = plannedService('api', { url: server.url });
    runs(api, 1);
    const input: RoundInput = { ...roundInput(makePlan([api])), expect: 'previous' };

    await expect(probe(input, deps())).resolves.toMatchObject({ status: 'done' });
  });

  it('asks ECS in a rollback when the previous SHA is unknown', async () => {
    const server = await serverAnswering('api', () => 'latest');
    const api = plannedService('api', { url: server.url, previousSha: null });
    runs(api, 1);
    const input: RoundInput = { ...roundInput(makePlan([api])), expect: 'previous' };

    await expect(probe(input, deps())).resolves.toMatchObject({ status: 'done' });
    expect(server.requests).toBe(0);
  });

  test.each(['latest', 'v1.2.3'])(
    'verifies a rollback to a %s image by ECS: no Server header can report that tag as a SHA',
    async (tag) => {
      const server = await serverAnswering('api', () => tag);
      const api = plannedService('api', { url: server.url, previousSha: tag });
      const input: RoundInput = { ...roundInput(makePlan([api])), expect: 'previous' };

      runs(api, 1, { rolloutState: 'IN_PROGRESS', runningCount: 1 });
      await expect(probe(input, deps())).resolves.toMatchObject({ status: 'waiting', waiting: ['api'] });
      runs(api, 1, { rolloutState: 'COMPLETED' });
      await expect(probe(input, deps())).resolves.toMatchObject({ status: 'done', done: 1 });
      expect(server.requests).toBe(0);
    },
  );

  it('checks only the url under updateStrategy none', async () => {
    const server = await serverAnswering('api', () => GITSHA);
    const api = plannedService('api', { url: server.url });
    runs(api, 7);
    const state = await probe(roundInput(makePlan([api], { updateStrategy: 'none' })), deps());
    expect(state).toMatchObject({ status: 'done' });
  });

  describe("the round's time budget (the Lambda's timeout)", () => {
    /** A clock that each request moves on by a second, and a fetch that answers the new SHA. */
    function slowFleet() {
      let clock = NOW.getTime();
      const requests: string[] = [];
      const fetchSlowly = async (url: string) => {
        requests.push(url);
        clock += 1000;
        return new Response('', { headers: { server: `svc-${GITSHA}` } });
      };
      return { requests, now: () => new Date(clock), fetch: fetchSlowly };
    }

    it('starts no probe it could not finish in time, and leaves those services waiting, not failed', async () => {
      const fleet = slowFleet();
      const services = ['api', 'web', 'worker'].map((name) => plannedService(name, { url: `http://${name}.test/` }));
      for (const service of services) runs(service, 2);

      // Probes take up to 5 s and 2 s are kept to return: probes may start until NOW + 3 s.
      const state = await probe(roundInput(makePlan(services, { requiredMatches: 3 })), {
        ...deps(),
        now: fleet.now,
        fetch: fleet.fetch,
        probeTimeoutMs: 5000,
        concurrency: 1,
        roundEndsAt: new Date(NOW.getTime() + 10_000),
      });

      expect(state).toMatchObject({ status: 'waiting', done: 1, total: 3, waiting: ['web', 'worker'], failures: [] });
      expect(fleet.requests).toEqual(['http://api.test/', 'http://api.test/', 'http://api.test/', 'http://web.test/']);
    });

    it('still fails a service ECS failed, whatever time is left', async () => {
      const api = plannedService('api', { url: 'http://api.test/' });
      runs(api, 2, { status: 'PRIMARY', rolloutState: 'FAILED' });

      const state = await probe(roundInput(makePlan([api])), { ...deps(), roundEndsAt: NOW });

      expect(state).toMatchObject({ status: 'failed', failures: [{ service: 'api' }] });
    });
  });

  describe('services confirmed in an earlier round of the phase', () => {
    it('are not probed again and still count live; the others are', async () => {
      let webSha = OLD_SHA;
      const apiServer = await serverAnswering('api', () => GITSHA);
      const webServer = await serverAnswering('web', () => webSha);
      const api = plannedService('api', { url: apiServer.url });
      const web = plannedService('web', { url: webServer.url });
      runs(api, 2);
      runs(web, 2, { rolloutState: 'IN_PROGRESS' });
      const plan = makePlan([api, web], { requiredMatches: 3 });

      const first = await probe(roundInput(plan), deps());
      expect(first).toMatchObject({ status: 'waiting', done: 1, waiting: ['web'], confirmed: [0] });
      expect(apiServer.requests).toBe(3);
      expect(webServer.requests).toBe(1);

      const second = await probe(roundInput(plan, { round: first }), deps());
      expect(second).toMatchObject({ status: 'waiting', round: 2, done: 1, waiting: ['web'], confirmed: [0] });
      expect(apiServer.requests).toBe(3);
      expect(webServer.requests).toBe(2);

      webSha = GITSHA;
      const third = await probe(roundInput(plan, { round: second }), deps());
      expect(third).toMatchObject({ status: 'done', round: 3, done: 2, total: 2, confirmed: [0, 1] });
      expect(apiServer.requests).toBe(3);
      expect(webServer.requests).toBe(5);
      // ECS is read every round, confirmed services included.
      expect(ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 3);
      for (const call of ecs.commandCalls(DescribeServicesCommand)) {
        expect(call.args[0].input.services).toEqual([api.name, web.name]);
      }
    });

    it("still fail the round when ECS's circuit breaker fails their deployment later", async () => {
      const server = await serverAnswering('api', () => GITSHA);
      const api = plannedService('api', { url: server.url });
      const worker = plannedService('worker');
      runs(api, 2, { rolloutState: 'IN_PROGRESS' });
      runs(worker, 2, { rolloutState: 'IN_PROGRESS', runningCount: 1 });
      const plan = makePlan([api, worker]);

      const first = await probe(roundInput(plan), deps());
      expect(first).toMatchObject({ status: 'waiting', done: 1, waiting: ['worker'], confirmed: [0] });

      fleet.set(
        api.name,
        ecsService(api, [
          deployment(taskDefinitionArn('api', 1), { rolloutState: 'IN_PROGRESS' }),
          deployment(taskDefinitionArn('api', 2), {
            status: 'ACTIVE',
            rolloutState: 'FAILED',
            rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
          }),
        ]),
      );
      const second = await probe(roundInput(plan, { round: first }), deps());

      expect(second.status).toBe('failed');
      expect(second.failures).toEqual([
        { service: 'api', reason: expect.stringMatching(/^ECS failed the deployment of api:2 .*circuit breaker/) },
      ]);
      expect(server.requests).toBe(3);
    });

    it('still fail the round when the service is gone', async () => {
      const server = await serverAnswering('api', () => GITSHA);
      const api = plannedService('api', { url: server.url });
      const worker = plannedService('worker');
      runs(api, 2);
      runs(worker, 2, { rolloutState: 'IN_PROGRESS', runningCount: 1 });
      const plan = makePlan([api, worker]);
      const first = await probe(roundInput(plan), deps());

      fleet.delete(api.name);
      const second = await probe(roundInput(plan, { round: first }), deps());

      expect(second).toMatchObject({
        status: 'failed',
        failures: [{ service: 'api', reason: `service api not found in ${clusterArn()}: MISSING` }],
      });
    });

    it("start empty on a phase's first round, and state written before `confirmed` existed reads as empty", async () => {
      const server = await serverAnswering('api', () => GITSHA);
      const api = plannedService('api', { url: server.url });
      runs(api, 2);
      const plan = makePlan([api], { requiredMatches: 2 });

      await expect(probe(roundInput(plan), deps())).resolves.toMatchObject({ confirmed: [0] });
      expect(server.requests).toBe(2);
      // ROUND_ONE has no `confirmed`: the older state shape.
      await expect(probe(roundInput(plan, { round: ROUND_ONE }), deps())).resolves.toMatchObject({
        status: 'done',
        round: 2,
        confirmed: [0],
      });
      expect(server.requests).toBe(4);
    });

    it('ignore names and positions that are not probed services of this plan, and never report them', async () => {
      const worker = plannedService('worker');
      runs(worker, 2, { rolloutState: 'IN_PROGRESS', runningCount: 1 });
      const round = { ...ROUND_ONE, confirmed: ['worker', 'stranger', 0, 7] };

      const state = await probe(roundInput(makePlan([worker]), { round }), deps());

      // A service without a url is ECS's to judge every round: its rollout is still IN_PROGRESS.
      expect(state).toMatchObject({ status: 'waiting', waiting: ['worker'], confirmed: [] });
    });

    it.each([
      ['positions in plan.services', [1]],
      ['names, as rounds written before positions carry them', ['web']],
    ])('are read from %s, and reported as positions', async (_, confirmed) => {
      const apiServer = await serverAnswering('api', () => GITSHA);
      const webServer = await serverAnswering('web', () => GITSHA);
      const api = plannedService('api', { url: apiServer.url });
      const web = plannedService('web', { url: webServer.url });
      runs(api, 2);
      runs(web, 2);

      const state = await probe(
        roundInput(makePlan([api, web], { requiredMatches: 2 }), { round: { ...ROUND_ONE, confirmed } }),
        deps(),
      );

      expect(state).toMatchObject({ status: 'done', confirmed: [0, 1] });
      expect([apiServer.requests, webServer.requests]).toEqual([2, 0]);
    });

    it('let a fleet too slow to confirm in one round finish over several', async () => {
      // Every request moves the clock on by a second; each round may start probes for 3 s.
      let clock = NOW.getTime();
      const requests: string[] = [];
      const fetchSlowly = async (url: string) => {
        requests.push(url);
        clock += 1000;
        return new Response('', { headers: { server: `svc-${GITSHA}` } });
      };
      const names = ['a', 'b', 'c', 'd', 'e'];
      const services = names.map((name) => plannedService(name, { url: `http://${name}.test/` }));
      for (const service of services) runs(service, 2);
      const plan = makePlan(services, { requiredMatches: 3 });

      const rounds = [];
      let round: RoundInput['round'] = null;
      while (round?.status !== 'done' && rounds.length < 10) {
        round = await probe(roundInput(plan, { round }), {
          ...deps(),
          now: () => new Date(clock),
          fetch: fetchSlowly,
          probeTimeoutMs: 5000,
          concurrency: 1,
          roundEndsAt: new Date(clock + 10_000),
        });
        rounds.push(round);
        clock += 15_000; // the Wait state between rounds
      }

      expect(rounds.map((r) => [r.status, r.done, r.confirmed])).toEqual([
        ['waiting', 1, [0]],
        ['waiting', 2, [0, 1]],
        ['waiting', 3, [0, 1, 2]],
        ['waiting', 4, [0, 1, 2, 3]],
        ['done', 5, [0, 1, 2, 3, 4]],
      ]);
      // Each service is confirmed by exactly requiredMatches answers, plus at most one probe of
      // the next service that the round's end cut short; none is probed once confirmed.
      const count = (name: string) => requests.filter((url) => url === `http://${name}.test/`).length;
      expect(names.map(count)).toEqual([3, 4, 4, 4, 4]);
    });

    it('without them (state written before they existed), a round re-probes from the first service and gains nothing', async () => {
      let clock = NOW.getTime();
      const fetchSlowly = async () => {
        clock += 1000;
        return new Response('', { headers: { server: `svc-${GITSHA}` } });
      };
      const services = ['a', 'b', 'c'].map((name) => plannedService(name, { url: `http://${name}.test/` }));
      for (const service of services) runs(service, 2);
      const plan = makePlan(services, { requiredMatches: 3 });
      const budget = () => ({
        ...deps(),
        now: () => new Date(clock),
        fetch: fetchSlowly,
        probeTimeoutMs: 5000,
        concurrency: 1,
        roundEndsAt: new Date(clock + 10_000),
      });

      const first = await probe(roundInput(plan), budget());
      const { confirmed: _, ...older } = first;
      const second = await probe(roundInput(plan, { round: older }), budget());

      expect(second).toMatchObject({ status: 'waiting', done: 1, confirmed: [0] });
    });
  });

  describe('deadline', () => {
    it('keeps the phase deadline from the first round, however many services finished since', async () => {
      const worker = plannedService('worker');
      runs(worker, 2, { rolloutState: 'IN_PROGRESS', runningCount: 1 });
      const later = new Date('2030-01-01T00:10:00.000Z');
      const input: RoundInput = { ...roundInput(makePlan([worker])), round: { ...ROUND_ONE, round: 39 } };

      const state = await probe(input, deps(later));

      expect(state).toMatchObject({ status: 'expired', round: 40, deadline: ROUND_ONE.deadline });
    });

    it('still reports done when everything went live in the round the deadline passed', async () => {
      const worker = plannedService('worker');
      runs(worker, 2);
      const input: RoundInput = { ...roundInput(makePlan([worker])), round: ROUND_ONE };
      const state = await probe(input, deps(new Date('2030-01-01T01:00:00.000Z')));
      expect(state.status).toBe('done');
    });
  });

  it('reads every service with one DescribeServices per 10 services of a cluster', async () => {
    const services = Array.from({ length: 25 }, (_, i) => plannedService(`svc-${i}`));
    for (const service of services) runs(service, 2);

    const state = await probe(roundInput(makePlan(services)), deps());

    expect(state).toMatchObject({ status: 'done', done: 25, total: 25 });
    expect(ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 3);
  });

  test.each([
    { error: 'ThrottlingException', type: TransientAwsError },
    { error: 'AccessDeniedException', type: DeploymentFailedError },
  ])('turns $error into $type.name with context', async ({ error, type }) => {
    ecs.on(DescribeServicesCommand).rejects(Object.assign(new Error('nope'), { name: error }));
    const promise = probe(roundInput(makePlan([plannedService('api')])), deps());
    await expect(promise).rejects.toThrow(type);
    await expect(promise).rejects.toThrow(`failed to describe services in cluster ${clusterArn()}`);
  });
});
