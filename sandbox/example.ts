import { join } from 'node:path';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { packageRoot } from '../lib/package-root';
import { ensureSandboxCredentials, type GehenSandbox, startGehenSandbox } from './gehen-sandbox';

// The example fleet shipped with gehen (examples/sandbox/): `gehen sandbox` without --fleet runs
// it, and `gehen demo` (cli/demo.ts) deploys to it with examples/sandbox/gehen.yml.

/** The revisions the example fleet runs: its services' task definitions and its rule's target's. */
export interface ExampleRevisions {
  services: Record<string, string>;
  report: string;
}

/** The example fleet running on a free port, the gehen.yml that deploys to it, and what it runs. */
export interface ExampleSandbox {
  sandbox: GehenSandbox;
  /** examples/sandbox/gehen.yml. */
  configPath: string;
  revisions(): Promise<ExampleRevisions>;
}

/** The gate example fleet running on a free port, the gehen.yml that gates it, and what it runs. */
export interface GateExampleSandbox {
  sandbox: GehenSandbox;
  /** examples/sandbox/gate.gehen.yml. */
  configPath: string;
  /** Service name → the task definition it runs. */
  revisions(): Promise<Record<string, string>>;
  /** Per service, the image tags its production and test listeners served (sandbox/ecs/traffic-log.ts). */
  traffic(): ReturnType<GehenSandbox['traffic']>;
}

const GATE_SERVICES = ['api', 'web', 'checkout'];

export function exampleFleetPath(): string {
  return join(packageRoot(__dirname), 'examples', 'sandbox', 'fleet.yml');
}

export function exampleConfigPath(): string {
  return join(packageRoot(__dirname), 'examples', 'sandbox', 'gehen.yml');
}

/** Starts the example fleet with the gehen-deploy workflow, its API on a free port. Close `sandbox`. */
export async function startExampleSandbox(): Promise<ExampleSandbox> {
  ensureSandboxCredentials();
  const sandbox = await startGehenSandbox({ fleet: exampleFleetPath(), port: 0 });
  return { sandbox, configPath: exampleConfigPath(), revisions: () => exampleRevisions(sandbox) };
}

/**
 * Starts examples/sandbox/gate-fleet.yml (three CANARY services paused at POST_TEST_TRAFFIC_SHIFT)
 * for `gehen demo --gate` (cli/demo-gate.ts), which deploys examples/sandbox/gate.gehen.yml to it.
 */
export async function startGateExampleSandbox(): Promise<GateExampleSandbox> {
  ensureSandboxCredentials();
  const examples = join(packageRoot(__dirname), 'examples', 'sandbox');
  const sandbox = await startGehenSandbox({ fleet: join(examples, 'gate-fleet.yml'), port: 0 });
  const ecs = new ECSClient({ region: sandbox.region, endpoint: sandbox.endpoint });
  return {
    sandbox,
    configPath: join(examples, 'gate.gehen.yml'),
    revisions: async () => {
      const { services = [] } = await ecs.send(
        new DescribeServicesCommand({ cluster: 'demo', services: GATE_SERVICES }),
      );
      return Object.fromEntries(services.map((s) => [s.serviceName ?? '?', s.taskDefinition ?? '?']));
    },
    traffic: () => sandbox.traffic(),
  };
}

async function exampleRevisions(running: GehenSandbox): Promise<ExampleRevisions> {
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
