import { readFileSync } from 'node:fs';
import type { CliIo } from './io';
import { runCli } from './program';
import { revision } from './progress';

const GOOD_SHA = '2222222';
/** examples/sandbox/fleet.yml makes this tag crash: ECS's circuit breaker fails the deployment. */
const CRASHING_SHA = 'bad0000';

/** The revisions the example fleet runs: its services' task definitions and its rule's target's. */
export interface DemoRevisions {
  services: Record<string, string>;
  report: string;
}

/** What the demo needs of the sandbox (sandbox/example.ts, loaded by cli/sandbox.ts). */
export interface DemoSandbox extends DemoSandboxBase {
  /** examples/sandbox/gehen.yml: the gehen.yml for the example fleet. */
  configPath: string;
  revisions(): Promise<DemoRevisions>;
}

/**
 * `gehen demo`: the sandbox with the example fleet, a good deploy of three services and a
 * scheduled task, then a crashing image that rolls everything back. Exit 0 when both ended as
 * they should: the first deployed (exit 0), the second rolled back (exit 1) onto the exact
 * revisions the first left.
 */
export async function demo(io: CliIo, startExample: () => Promise<DemoSandbox>): Promise<number> {
  return runDemo(io, 'Starting the sandbox', startExample, async ({ example, deploy, say }) => {
    const before = await example.revisions();

    say(`Deploy ${GOOD_SHA}: a good image, to api, web, worker and the nightly-report rule`);
    const first = await deploy(GOOD_SHA);
    const afterGood = await example.revisions();

    say(`Deploy ${CRASHING_SHA}: its tasks crash, ECS's circuit breaker fails the deployment, gehen rolls back`);
    const second = await deploy(CRASHING_SHA);
    const afterBad = await example.revisions();

    const changed = Object.keys(before.services).every((name) => before.services[name] !== afterGood.services[name]);
    const restored = JSON.stringify(afterBad) === JSON.stringify(afterGood);
    const lines = Object.entries(afterBad.services).map(
      ([service, revision]) =>
        `${service.padEnd(8)} ${short(before.services[service])} → ${short(afterGood.services[service])} → ${short(revision)}`,
    );
    lines.push(`${'rule'.padEnd(8)} ${short(before.report)} → ${short(afterGood.report)} → ${short(afterBad.report)}`);
    return {
      lines,
      checks: [
        [first === 0, `deploy ${GOOD_SHA} exited ${first} (expected 0: deployed)`],
        [
          changed && before.report !== afterGood.report,
          `deploy ${GOOD_SHA} moved every service and the rule to new revisions`,
        ],
        [second === 1, `deploy ${CRASHING_SHA} exited ${second} (expected 1: rolled back)`],
        [restored, `deploy ${CRASHING_SHA} left every service and the rule on the exact revisions ${GOOD_SHA} had`],
      ],
    };
  });
}

/** What a demo's sandbox must offer whatever its fleet. */
export interface DemoSandboxBase {
  sandbox: { endpoint: string; region: string; close(): Promise<void> };
  configPath: string;
}

/** A demo's scenario: it deploys, then says what happened (lines) and what held (checks). */
export type DemoScenario<S> = (run: {
  example: S;
  deploy: (sha: string) => Promise<number>;
  say: (text: string) => void;
}) => Promise<{ lines: string[]; checks: Array<[boolean, string]> }>;

/**
 * Both demos' frame: start the sandbox, show the gehen.yml, run the scenario with `gehen deploy`
 * against it, print what happened and each check, close the sandbox. Exit 0 when every check held.
 */
export async function runDemo<S extends DemoSandboxBase>(
  io: CliIo,
  starting: string,
  startExample: () => Promise<S>,
  scenario: DemoScenario<S>,
): Promise<number> {
  const say = (text: string) => io.stderr.write(`\n=== ${text}\n`);
  say(`${starting}: synthesizing the gehen app and bundling its Lambda steps`);
  const started = Date.now();
  const example = await startExample();
  const { sandbox, configPath } = example;
  try {
    io.stderr.write(`sandbox on ${sandbox.endpoint}; ${configPath}:\n${readFileSync(configPath, 'utf8')}`);
    const deploy = (sha: string) =>
      runCli(
        ['deploy', '--gitsha', sha, '--path', configPath, '--endpoint', sandbox.endpoint, '--region', sandbox.region],
        io,
      );
    const { lines, checks } = await scenario({ example, deploy, say });
    say(`What happened (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    for (const line of lines) io.stderr.write(`  ${line}\n`);
    io.stderr.write('\n');
    for (const [ok, text] of checks) io.stderr.write(`  ${ok ? 'ok ' : 'NOT'} ${text}\n`);
    return checks.every(([ok]) => ok) ? 0 : 1;
  } finally {
    await sandbox.close();
  }
}

function short(taskDefinition: string | undefined): string {
  return revision(taskDefinition ?? null);
}
