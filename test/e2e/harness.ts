import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeServicesCommand, ECSClient, type Service } from '@aws-sdk/client-ecs';
import { EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { CliIo } from '../../cli/io';
import { runCli } from '../../cli/program';
import type { FleetInput } from '../../sandbox';
import { type GehenSandbox, sandboxAssembly, startGehenSandbox } from '../../sandbox/gehen-sandbox';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A gehen sandbox for one test file: real SDK clients, a scratch dir for gehen.yml files, the CLI in-process. */
export interface E2e {
  sandbox: GehenSandbox;
  ecs: ECSClient;
  events: EventBridgeClient;
  sfn: SFNClient;
  /** Writes a gehen.yml into the scratch dir and returns its path. */
  config(text: string, name?: string): string;
  /** Runs `gehen …` in-process against the sandbox (--endpoint and --region are added for deploy and status). */
  gehen(args: readonly string[], env?: Record<string, string>): Promise<CliRun>;
  service(name: string, cluster?: string): Promise<Service>;
  targets(rule: string): Promise<Array<{ id: string; taskDefinition: string }>>;
  close(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };

export async function startE2e(fleet: FleetInput): Promise<E2e> {
  process.env.AWS_ACCESS_KEY_ID ??= CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= CREDENTIALS.secretAccessKey;
  const sandbox = await startGehenSandbox({ fleet, port: 0, assembly: sandboxAssembly({}) });
  const config = { endpoint: sandbox.endpoint, region: sandbox.region, credentials: CREDENTIALS };
  const ecs = new ECSClient(config);
  const events = new EventBridgeClient(config);
  const sfn = new SFNClient(config);
  const dir = mkdtempSync(join(tmpdir(), 'gehen-e2e-'));
  return {
    sandbox,
    ecs,
    events,
    sfn,
    config(text, name = 'gehen.yml') {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    async gehen(args, env = {}) {
      const stdout: string[] = [];
      const stderr: string[] = [];
      const io: CliIo = {
        stdout: { write: (chunk: string) => stdout.push(chunk) },
        stderr: { write: (chunk: string) => stderr.push(chunk) },
        env: { ...env, CI: 'true' },
        cwd: dir,
        clock: { now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 200))) },
        onInterrupt: () => () => {},
        exitCode: 0,
      };
      const aws = ['deploy', 'status'].includes(args[0] ?? '')
        ? ['--endpoint', sandbox.endpoint, '--region', sandbox.region]
        : [];
      const code = await runCli([...args, ...aws], io);
      return { code, stdout: stdout.join(''), stderr: stderr.join('') };
    },
    async service(name, cluster = 'demo') {
      const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster, services: [name] }));
      const found = services[0];
      if (!found) throw new Error(`no service ${name} in ${cluster}`);
      return found;
    },
    async targets(rule) {
      const { Targets = [] } = await events.send(new ListTargetsByRuleCommand({ Rule: rule }));
      return Targets.map((t) => ({ id: t.Id ?? '', taskDefinition: t.EcsParameters?.TaskDefinitionArn ?? '' }));
    },
    async close() {
      ecs.destroy();
      events.destroy();
      sfn.destroy();
      rmSync(dir, { recursive: true, force: true });
      await sandbox.close();
    },
  };
}

/** A fleet task definition with one container per [name, image]. */
export function taskDefinition(family: string, ...containers: Array<[string, string]>) {
  return {
    family,
    requiresCompatibilities: ['FARGATE' as const],
    networkMode: 'awsvpc' as const,
    cpu: '256',
    memory: '512',
    containerDefinitions: containers.map(([name, image]) => ({ name, image, essential: true })),
  };
}
