import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECR } from './fleets';
import { type CliRun, type E2e, startE2e, taskDefinition } from './harness';

/**
 * The gate's manual approval, end to end through the bundled binary as an operator meets it: three
 * CANARY services paused by their PAUSE hooks at POST_TEST_TRAFFIC_SHIFT, `gehen deploy` saying
 * which command answers, `gehen approve` letting all three through to production traffic, and
 * `gehen reject --reason` rolling all three back before production traffic reached the new SHA
 * (the sandbox's per-listener traffic log proves it). Needs `npm run build` first.
 */

const ROOT = join(__dirname, '..', '..');
const BINARY = join(ROOT, 'dist', 'cli', 'gehen.cjs');
const NAMES = ['api', 'web', 'worker'] as const;
const GOOD = '2222222';
const REJECTED = '3333333';
const HINT = /waiting for approval — run: gehen approve (arn:aws:states:\S+)/;

/** A canary service held at POST_TEST_TRAFFIC_SHIFT by a PAUSE hook; its tasks serve their tag on both listeners. */
function gatedService(name: string) {
  return {
    name,
    cluster: 'demo',
    desiredCount: 2,
    listen: 0,
    testListen: 0,
    taskDefinition: taskDefinition(name, [name, `${ECR}/${name}:1111111`]),
    deploymentConfiguration: {
      strategy: 'CANARY' as const,
      bakeTimeInMinutes: 1,
      canaryConfiguration: { canaryPercent: 50, canaryBakeTimeInMinutes: 1 },
      lifecycleHooks: [
        {
          targetType: 'PAUSE' as const,
          lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT' as const],
          timeoutConfiguration: { timeoutInMinutes: 600, action: 'ROLLBACK' as const },
        },
      ],
    },
  };
}

describe('gehen approve and gehen reject at the gate', () => {
  let e2e: E2e;
  let home: string;
  let configPath: string;
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`npm run build\` first (npm test does)`);
    home = mkdtempSync(join(tmpdir(), 'gehen-approval-'));
    e2e = await startE2e({
      services: NAMES.map(gatedService),
      // Modelled minutes at 0.01: a bake minute lasts 0.6 s.
      timing: { scale: 0.01, taskStartSeconds: 0.2, drainSeconds: 0.3 },
    });
    const services = NAMES.map((name) => [
      `  ${name}:`,
      '    cluster: demo',
      `    url: ${e2e.sandbox.loadBalancers[name]}/`,
      `    testUrl: ${e2e.sandbox.testLoadBalancers[name]}/`,
    ]);
    configPath = e2e.config(
      [
        'gate:',
        '  stage: POST_TEST_TRAFFIC_SHIFT',
        '  approval: manual',
        'services:',
        ...services.flat(),
        'timeoutMinutes: 2',
        'pollIntervalSeconds: 1',
        'requiredMatches: 2',
        '',
      ].join('\n'),
      'gate.gehen.yml',
    );
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await e2e?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  /** `node dist/cli/gehen.cjs ARGS` against the sandbox, in CI; `onStdout` sees its output as it comes. */
  function gehen(args: readonly string[], onStdout?: (soFar: string) => void): Promise<CliRun> {
    const child = spawn(process.execPath, [BINARY, ...args], {
      cwd: home,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        CI: 'true',
        AWS_ENDPOINT_URL: e2e.sandbox.endpoint,
        AWS_REGION: e2e.sandbox.region,
        AWS_ACCESS_KEY_ID: 'sandbox',
        AWS_SECRET_ACCESS_KEY: 'sandbox',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      onStdout?.(stdout);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        children.delete(child);
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      });
    });
  }

  /** Starts `gehen deploy SHA` and resolves once it prints the approval hint, with the ARN it names. */
  function deployToGate(sha: string): { waiting: Promise<string>; done: Promise<CliRun> } {
    let seen: (arn: string) => void = () => {};
    const waiting = new Promise<string>((resolve) => {
      seen = resolve;
    });
    const done = gehen(['deploy', '--gitsha', sha, '--path', configPath], (soFar) => {
      const arn = HINT.exec(soFar)?.[1];
      if (arn) seen(arn);
    });
    // A deploy that ends without ever waiting fails the test with its output, not a timeout.
    const ended = done.then((run) => {
      throw new Error(`gehen deploy ${sha} ended (exit ${run.code}) without waiting for approval:\n${run.stdout}`);
    });
    return { waiting: Promise.race([waiting, ended]), done };
  }

  const revisions = async () =>
    Object.fromEntries(await Promise.all(NAMES.map(async (n) => [n, (await e2e.service(n)).taskDefinition])));
  const productionServed = (sha: string) =>
    NAMES.filter((name) => (e2e.sandbox.traffic()[name]?.production[sha] ?? 0) > 0);

  it('holds every service at the gate until gehen approve, then all three take production traffic', async () => {
    const before = await revisions();
    const { waiting, done } = deployToGate(GOOD);
    const arn = await waiting;
    // At the gate: the test listeners serve the new SHA, no production listener does.
    for (const name of NAMES) await fetch(`${e2e.sandbox.loadBalancers[name]}/`);
    expect(productionServed(GOOD)).toEqual([]);

    const approved = await gehen(['approve', arn]);
    expect(approved.stderr).toBe('');
    expect(approved.stdout).toContain(`Approved ${arn}`);
    expect(approved.code).toBe(0);

    const deployed = await done;
    expect(deployed.stdout).toMatch(/^Deployed$/m);
    expect(deployed.stdout.match(new RegExp(HINT, 'g'))).toHaveLength(1);
    expect(deployed.code).toBe(0);
    const after = await revisions();
    for (const name of NAMES) expect(after[name]).not.toBe(before[name]);
    for (const name of NAMES) await fetch(`${e2e.sandbox.loadBalancers[name]}/`);
    expect(productionServed(GOOD)).toEqual([...NAMES]);

    // Answered: a second approval is refused, saying so.
    const again = await gehen(['approve', arn]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not waiting for approval');
  });

  // Roll Back Service answers each paused deployment's PAUSE hook with ROLLBACK (ContinueServiceDeployment).
  it('rolls every service back on gehen reject --reason: no production listener ever served the SHA', async () => {
    const before = await revisions();
    const { waiting, done } = deployToGate(REJECTED);
    const arn = await waiting;

    const rejected = await gehen(['reject', arn, '--reason', 'checkout is slow on test']);
    expect(rejected.stderr).toBe('');
    expect(rejected.code).toBe(0);

    const run = await done;
    expect(run.stdout).toMatch(/^Rolled back/m);
    expect(run.stdout).toMatch(/^api +\S+ → \S+ +rolled back: rejected: checkout is slow on test/m);
    expect(run.code).toBe(1);
    expect(await revisions()).toEqual(before);
    expect(productionServed(REJECTED)).toEqual([]);
    // The test listeners did serve it: the gate checked it there.
    expect(NAMES.every((name) => (e2e.sandbox.traffic()[name]?.test[REJECTED] ?? 0) > 0)).toBe(true);
  });
});
