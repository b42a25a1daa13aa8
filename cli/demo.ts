import { readFileSync } from 'node:fs';
import type { CliIo } from './io';
import { runCli } from './program';

const GOOD_SHA = '2222222';
/** examples/sandbox/fleet.yml makes this tag crash: ECS's circuit breaker fails the deployment. */
const CRASHING_SHA = 'bad0000';

/** The revisions the example fleet runs: its services' task definitions and its rule's target's. */
export interface DemoRevisions {
  services: Record<string, string>;
  report: string;
}

/** What the demo needs of the sandbox (sandbox/example.ts, loaded by cli/sandbox.ts). */
export interface DemoSandbox {
  sandbox: { endpoint: string; region: string; close(): Promise<void> };
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
  const say = (text: string) => io.stderr.write(`\n=== ${text}\n`);
  say('Starting the sandbox: synthesizing the gehen app and bundling its Lambda steps');
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
    const before = await example.revisions();

    say(`Deploy ${GOOD_SHA}: a good image, to api, web, worker and the nightly-report rule`);
    const first = await deploy(GOOD_SHA);
    const afterGood = await example.revisions();

    say(`Deploy ${CRASHING_SHA}: its tasks crash, ECS's circuit breaker fails the deployment, gehen rolls back`);
    const second = await deploy(CRASHING_SHA);
    const afterBad = await example.revisions();

    const changed = Object.keys(before.services).every((name) => before.services[name] !== afterGood.services[name]);
    const restored = JSON.stringify(afterBad) === JSON.stringify(afterGood);
    const checks: Array<[boolean, string]> = [
      [first === 0, `deploy ${GOOD_SHA} exited ${first} (expected 0: deployed)`],
      [
        changed && before.report !== afterGood.report,
        `deploy ${GOOD_SHA} moved every service and the rule to new revisions`,
      ],
      [second === 1, `deploy ${CRASHING_SHA} exited ${second} (expected 1: rolled back)`],
      [restored, `deploy ${CRASHING_SHA} left every service and the rule on the exact revisions ${GOOD_SHA} had`],
    ];
    say(`What happened (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    for (const [service, revision] of Object.entries(afterBad.services)) {
      io.stderr.write(
        `  ${service.padEnd(8)} ${short(before.services[service])} → ${short(afterGood.services[service])} → ${short(revision)}\n`,
      );
    }
    io.stderr.write(
      `  ${'rule'.padEnd(8)} ${short(before.report)} → ${short(afterGood.report)} → ${short(afterBad.report)}\n\n`,
    );
    for (const [ok, text] of checks) io.stderr.write(`  ${ok ? 'ok ' : 'NOT'} ${text}\n`);
    return checks.every(([ok]) => ok) ? 0 : 1;
  } finally {
    await sandbox.close();
  }
}

function short(arn: string | undefined): string {
  return arn?.split('/').pop() ?? '?';
}
