import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import type { CliIo } from '../cli/io';
import { runCli } from '../cli/program';
import { ensureSandboxCredentials, exampleFleetPath, type GehenSandbox, startGehenSandbox } from './gehen-sandbox';

const GOOD_SHA = '2222222';
/** examples/sandbox/fleet.yml makes this tag crash: ECS's circuit breaker fails the deployment. */
const CRASHING_SHA = 'bad0000';

interface Revisions {
  services: Record<string, string>;
  report: string;
}

/**
 * `gehen demo`: the sandbox with the example fleet, a good deploy of three services and a
 * scheduled task, then a crashing image that rolls everything back. Exit 0 when both ended as
 * they should: the first deployed (exit 0), the second rolled back (exit 1) onto the exact
 * revisions the first left.
 */
export async function demo(_args: string[], io: CliIo): Promise<number> {
  ensureSandboxCredentials();
  const say = (text: string) => io.stderr.write(`\n=== ${text}\n`);
  say('Starting the sandbox: synthesizing the gehen app and bundling its Lambda steps');
  const started = Date.now();
  const running = await startGehenSandbox({ fleet: exampleFleetPath(), port: 0 });
  const work = mkdtempSync(join(tmpdir(), 'gehen-demo-'));
  try {
    const path = join(work, 'gehen.yml');
    writeFileSync(path, demoConfig(running));
    io.stderr.write(`sandbox on ${running.endpoint}; gehen.yml:\n${demoConfig(running)}`);
    const deploy = (sha: string) =>
      runCli(
        ['deploy', '--gitsha', sha, '--path', path, '--endpoint', running.endpoint, '--region', running.region],
        io,
      );
    const before = await revisions(running);

    say(`Deploy ${GOOD_SHA}: a good image, to api, web, worker and the nightly-report rule`);
    const first = await deploy(GOOD_SHA);
    const afterGood = await revisions(running);

    say(`Deploy ${CRASHING_SHA}: its tasks crash, ECS's circuit breaker fails the deployment, gehen rolls back`);
    const second = await deploy(CRASHING_SHA);
    const afterBad = await revisions(running);

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
    rmSync(work, { recursive: true, force: true });
    await running.close();
  }
}

function demoConfig(running: GehenSandbox): string {
  return `# gehen.yml for the example fleet (examples/sandbox/fleet.yml)
services:
  api:
    cluster: demo
    url: ${running.loadBalancers.api}/ping
  web:
    cluster: demo
    url: ${running.loadBalancers.web}/
  worker:
    cluster: demo
    containers: [worker]   # the log-router sidecar keeps its own image
scheduledTasks:
  nightly-report:
region: ${running.region}
timeoutMinutes: 1
pollIntervalSeconds: 1
requiredMatches: 2
`;
}

async function revisions(running: GehenSandbox): Promise<Revisions> {
  const ecs = new ECSClient({ region: running.region, endpoint: running.endpoint });
  const events = new EventBridgeClient({ region: running.region, endpoint: running.endpoint });
  const { services = [] } = await ecs.send(
    new DescribeServicesCommand({ cluster: 'demo', services: ['api', 'web', 'worker'] }),
  );
  const { Targets = [] } = await events.send(new ListTargetsByRuleCommand({ Rule: 'nightly-report' }));
  return {
    services: Object.fromEntries(services.map((s) => [s.serviceName ?? '?', s.taskDefinition ?? '?'])),
    report: Targets[0]?.EcsParameters?.TaskDefinitionArn ?? '?',
  };
}

function short(arn: string | undefined): string {
  return arn?.split('/').pop() ?? '?';
}
