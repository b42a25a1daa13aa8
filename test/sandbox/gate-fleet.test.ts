import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContinueServiceDeploymentCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { parse } from 'yaml';
import { type Sandbox, startSandbox } from '../../sandbox';
import type { FleetInput } from '../../sandbox/fleet';
import { clients, serverHeader } from './helpers';
import { deployTag, finished, pausedHook } from './staged-helpers';

// The gate demo's fleet driven as a gate drives it, through the SDK: deploy every service, wait
// until each is paused at POST_TEST_TRAFFIC_SHIFT, probe each test listener, then CONTINUE all or
// ROLLBACK all. The sandbox's traffic log proves what each production listener served.

const SERVICES = ['api', 'web', 'checkout'];
let sandbox: Sandbox;
let ecs: ECSClient;

beforeAll(async () => {
  const fleet = parse(readFileSync(join(__dirname, '../../examples/sandbox/gate-fleet.yml'), 'utf8')) as FleetInput;
  // Free ports: other suites may run beside this one.
  const services = (fleet.services ?? []).map((s) => ({ ...s, listen: 0, testListen: 0 }));
  sandbox = await startSandbox({ port: 0, fleet: { ...fleet, services } });
  ({ ecs } = clients(sandbox));
});

afterAll(() => sandbox.close());

/** Deploys each service's tag, gates them all on their test listeners, and answers the decision. */
async function gate(tags: Record<string, string>): Promise<'CONTINUE' | 'ROLLBACK'> {
  const paused = await Promise.all(
    SERVICES.map(async (name) => {
      const arn = await deployTag(ecs, name, tags[name] ?? '');
      const { hookId } = await pausedHook(ecs, arn);
      const header = await serverHeader(sandbox.testLoadBalancers[name] ?? '');
      // Users keep using the production listener while the gate decides.
      for (let i = 0; i < 4; i += 1) await serverHeader(sandbox.loadBalancers[name] ?? '');
      return { arn, hookId, passed: header === `${name}-${tags[name]}` };
    }),
  );
  const action = paused.every((p) => p.passed) ? 'CONTINUE' : 'ROLLBACK';
  for (const { arn, hookId } of paused) {
    await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action }));
  }
  await Promise.all(paused.map(({ arn }) => finished(ecs, arn)));
  return action;
}

describe('the gate demo fleet', () => {
  it('lets a good SHA through on every service, then rolls back a SHA one service reports wrongly on all three', async () => {
    expect(await gate({ api: '2222222', web: '2222222', checkout: '2222222' })).toBe('CONTINUE');
    for (const name of SERVICES) {
      expect(await serverHeader(sandbox.loadBalancers[name] ?? '')).toBe(`${name}-2222222`);
    }

    // 0ddba11's tasks answer 1111111 on checkout's test listener: the probe fails there only.
    expect(await gate({ api: '3333333', web: '3333333', checkout: '0ddba11' })).toBe('ROLLBACK');
    const traffic = sandbox.traffic();
    for (const name of SERVICES) {
      expect(await serverHeader(sandbox.loadBalancers[name] ?? '')).toBe(`${name}-2222222`);
      expect(Object.keys(traffic[name]?.production ?? {})).not.toContain('3333333');
      expect(Object.keys(traffic[name]?.production ?? {})).not.toContain('0ddba11');
    }
    expect(Object.keys(traffic.checkout?.test ?? {})).toContain('0ddba11');
    expect(traffic.api?.production).toHaveProperty('2222222');
  });
});
