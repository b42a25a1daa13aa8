import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  paginateListTaskDefinitions,
  type Service,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { type HistoryEvent, paginateGetExecutionHistory, SFNClient } from '@aws-sdk/client-sfn';
import type { CliIo } from '../../cli/io';
import { runCli } from '../../cli/program';
import type { CliReport } from '../../cli/report';
import { StateNames } from '../../lib/state-names';
import type { FleetInput } from '../../sandbox';
import { SANDBOX_ENGINES, type SandboxEngine } from '../../sandbox/engine';
import { fleetTaskDefinition } from '../../sandbox/fleet';
import {
  type GehenSandbox,
  type SandboxAssembly,
  sandboxAssembly,
  startGehenSandbox,
} from '../../sandbox/gehen-sandbox';

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
  /**
   * Runs `gehen …` in-process against the sandbox (--endpoint and --region are added for deploy and
   * status), with CI=true; `tty` makes stdout and stderr claim to be a terminal.
   */
  gehen(args: readonly string[], env?: Record<string, string>, options?: { tty?: boolean }): Promise<CliRun>;
  /** `gehen deploy --gitsha SHA --path PATH --json`: the exit code and the parsed report. */
  deploy(gitsha: string, path: string): Promise<{ code: number; report: CliReport }>;
  service(name: string, cluster?: string): Promise<Service>;
  targets(rule: string): Promise<Array<{ id: string; taskDefinition: string }>>;
  taskDefinition(arn: string): Promise<TaskDefinition>;
  /** Container name → image of a registered revision. */
  images(arn: string): Promise<Record<string, string>>;
  /** Every ACTIVE revision's ARN, in every family (or in `family`), oldest first. */
  revisions(family?: string): Promise<string[]>;
  /** The execution's whole history, every page. */
  history(executionArn: string): Promise<HistoryEvent[]>;
  /** GET /_sandbox/stats: calls per `<service>:<Operation>`. */
  calls(): Promise<Record<string, number>>;
  /** POST /_sandbox/reset-stats. */
  resetCalls(): Promise<void>;
  close(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };

export interface E2eOptions {
  /** CDK context for the synthesized app (`gehen:configs` for triggers), as `gehen sandbox -c` takes it. */
  context?: Record<string, string>;
  /** A ready assembly, e.g. a synthesized one with its template altered. @default synthesized from `context` */
  assembly?: SandboxAssembly;
  /** Every line the Lambda steps write (`gehen sandbox --lambda-logs`). */
  onLambdaLog?: (functionName: string, line: string) => void;
  /** Wait states that wait this long instead. @default Wait For Deploy Writes: 1 s */
  waitSeconds?: Record<string, number>;
  /** The Step Functions engine. @default GEHEN_SANDBOX_ENGINE, else local */
  engine?: SandboxEngine;
}

/** GEHEN_SANDBOX_ENGINE=moto runs every e2e suite on moto's interpreter instead of the local one. */
export function engineFromEnv(): SandboxEngine {
  const value = process.env.GEHEN_SANDBOX_ENGINE ?? 'local';
  if (!(SANDBOX_ENGINES as readonly string[]).includes(value)) {
    throw new Error(`GEHEN_SANDBOX_ENGINE=${value}: expected one of ${SANDBOX_ENGINES.join(', ')}`);
  }
  return value as SandboxEngine;
}

export async function startE2e(fleet: FleetInput, options: E2eOptions = {}): Promise<E2e> {
  process.env.AWS_ACCESS_KEY_ID ??= CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= CREDENTIALS.secretAccessKey;
  const sandbox = await startGehenSandbox({
    fleet,
    port: 0,
    assembly: options.assembly ?? sandboxAssembly(options.context ?? {}),
    engine: options.engine ?? engineFromEnv(),
    // Wait For Deploy Writes waits out Update Service's timeout (30 s) before a rollback: no e2e
    // test is about that wait (test/cdk/definition.test.ts checks it), and 30 s a crash test adds up.
    waitSeconds: options.waitSeconds ?? { [StateNames.waitForDeployWrites]: 1 },
    onLambdaLog: options.onLambdaLog,
  });
  // Retries generously: a fleet with `throttle` throttles the test's own reads too.
  const config = { endpoint: sandbox.endpoint, region: sandbox.region, credentials: CREDENTIALS, maxAttempts: 10 };
  const ecs = new ECSClient(config);
  const events = new EventBridgeClient(config);
  const sfn = new SFNClient(config);
  const dir = mkdtempSync(join(tmpdir(), 'gehen-e2e-'));
  const e2e: E2e = {
    sandbox,
    ecs,
    events,
    sfn,
    config(text, name = 'gehen.yml') {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    async gehen(args, env = {}, { tty = false } = {}) {
      const stdout: string[] = [];
      const stderr: string[] = [];
      const terminal = tty ? { isTTY: true, columns: 120 } : {};
      const io: CliIo = {
        stdout: { write: (chunk: string) => stdout.push(chunk), ...terminal },
        stderr: { write: (chunk: string) => stderr.push(chunk), ...terminal },
        env: { ...env, CI: 'true' },
        cwd: dir,
        clock: { now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 200))) },
        onInterrupt: () => () => {},
        exitCode: 0,
      };
      const aws = ['deploy', 'status', 'history', 'rollback', 'redrive'].includes(args[0] ?? '')
        ? ['--endpoint', sandbox.endpoint, '--region', sandbox.region]
        : [];
      const code = await runCli([...args, ...aws], io);
      return { code, stdout: stdout.join(''), stderr: stderr.join('') };
    },
    async deploy(gitsha, path) {
      const run = await e2e.gehen(['deploy', '--gitsha', gitsha, '--path', path, '--json']);
      let report: CliReport;
      try {
        report = JSON.parse(run.stdout);
      } catch (error) {
        throw new Error(`gehen deploy printed no JSON report (exit ${run.code}):\n${run.stdout}\n${run.stderr}`, {
          cause: error,
        });
      }
      return { code: run.code, report };
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
    async taskDefinition(arn) {
      const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
      if (!taskDefinition) throw new Error(`no task definition ${arn}`);
      return taskDefinition;
    },
    async images(arn) {
      const { containerDefinitions = [] } = await e2e.taskDefinition(arn);
      return Object.fromEntries(containerDefinitions.map((c) => [c.name ?? '', c.image ?? '']));
    },
    async revisions(family) {
      const arns: string[] = [];
      for await (const page of paginateListTaskDefinitions({ client: ecs }, { familyPrefix: family })) {
        arns.push(...(page.taskDefinitionArns ?? []));
      }
      return arns;
    },
    async history(executionArn) {
      const events: HistoryEvent[] = [];
      for await (const page of paginateGetExecutionHistory({ client: sfn }, { executionArn })) {
        events.push(...(page.events ?? []));
      }
      return events;
    },
    async calls() {
      const response = await fetch(`${sandbox.endpoint}/_sandbox/stats`);
      return ((await response.json()) as { calls: Record<string, number> }).calls;
    },
    async resetCalls() {
      const response = await fetch(`${sandbox.endpoint}/_sandbox/reset-stats`, { method: 'POST' });
      await response.arrayBuffer();
    },
    async close() {
      ecs.destroy();
      events.destroy();
      sfn.destroy();
      rmSync(dir, { recursive: true, force: true });
      await sandbox.close();
    },
  };
  return e2e;
}

/** The names of the states an execution entered, in order. */
export function enteredStates(history: readonly HistoryEvent[]): string[] {
  return history.flatMap((e) => (e.stateEnteredEventDetails?.name ? [e.stateEnteredEventDetails.name] : []));
}

/** A fleet task definition with one container per [name, image]. */
export function taskDefinition(family: string, ...containers: Array<[string, string]>) {
  return fleetTaskDefinition(family, containers);
}
