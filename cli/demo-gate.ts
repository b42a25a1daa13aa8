import { type DemoSandboxBase, runDemo } from './demo';
import type { CliIo } from './io';
import { revision } from './progress';

const GOOD_SHA = '2222222';
/** examples/sandbox/gate-fleet.yml's fault: this tag's tasks report another version. */
const WRONG_VERSION_SHA = '0ddba11';

/** What each listener of a service served, by image tag (the sandbox's GET /_sandbox/traffic). */
export interface ServedTags {
  production: Record<string, number>;
  test: Record<string, number>;
}

/** What `gehen demo --gate` needs of the sandbox (sandbox/commands.ts `startGateExampleSandbox`). */
export interface GateDemoSandbox extends DemoSandboxBase {
  /** examples/sandbox/gate.gehen.yml: the gate-fleet's services behind one gate. */
  configPath: string;
  /** Service name → the task definition it runs. */
  revisions(): Promise<Record<string, string>>;
  /** Per service, what its production and test listeners served. */
  traffic(): Record<string, ServedTags> | Promise<Record<string, ServedTags>>;
}

/**
 * `gehen demo --gate`: three canary services held at one gate (their PAUSE hooks at
 * POST_TEST_TRAFFIC_SHIFT). A good SHA passes the gate on all three, then takes production
 * traffic; a SHA whose test listener reports the wrong version fails the gate, and all three roll
 * back before any production listener served it. Exit 0 when both ended so, checked against the
 * sandbox's per-listener traffic log.
 */
export async function demoGate(io: CliIo, startExample: () => Promise<GateDemoSandbox>): Promise<number> {
  return runDemo(io, 'Starting the sandbox with the gate fleet', startExample, async ({ example, deploy, say }) => {
    const before = await example.revisions();
    const services = Object.keys(before);

    say(`Deploy ${GOOD_SHA}: every service pauses at the gate, passes its test URL, then all continue together`);
    const first = await deploy(GOOD_SHA);
    const afterGood = await example.revisions();

    say(`Deploy ${WRONG_VERSION_SHA}: its test URL reports another version, so the gate rolls every service back`);
    const second = await deploy(WRONG_VERSION_SHA);
    const afterBad = await example.revisions();
    const traffic = await example.traffic();

    const served = (name: string, listener: keyof ServedTags, sha: string) => traffic[name]?.[listener][sha] ?? 0;
    const lines = services.map(
      (name) => `${name.padEnd(8)} ${short(before[name])} → ${short(afterGood[name])} → ${short(afterBad[name])}`,
    );
    lines.push('', 'requests served, by listener and image tag (the sandbox: GET /_sandbox/traffic)');
    for (const name of services) {
      for (const listener of ['production', 'test'] as const) {
        const tags = Object.entries(traffic[name]?.[listener] ?? {})
          .map(([tag, count]) => `${tag} ×${count}`)
          .join(', ');
        lines.push(`${name.padEnd(8)} ${listener.padEnd(10)} ${tags || '-'}`);
      }
    }
    return {
      lines,
      checks: [
        [first === 0, `deploy ${GOOD_SHA} exited ${first} (expected 0: deployed)`],
        [
          services.every((name) => before[name] !== afterGood[name] && served(name, 'production', GOOD_SHA) > 0),
          `after the gate, every production listener served ${GOOD_SHA}`,
        ],
        [second === 1, `deploy ${WRONG_VERSION_SHA} exited ${second} (expected 1: rolled back)`],
        [
          JSON.stringify(afterBad) === JSON.stringify(afterGood),
          `deploy ${WRONG_VERSION_SHA} left every service on the revision ${GOOD_SHA} had`,
        ],
        [
          services.every((name) => served(name, 'production', WRONG_VERSION_SHA) === 0),
          `no production listener ever served ${WRONG_VERSION_SHA} (its test listeners did: the gate caught it there)`,
        ],
      ],
    };
  });
}

function short(taskDefinition: string | undefined): string {
  return revision(taskDefinition ?? null);
}
