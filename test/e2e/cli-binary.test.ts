import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { version } from '../../package.json';
import { demoConfig, demoService, FAST } from './fleets';
import { type CliRun, type E2e, startE2e } from './harness';

/**
 * The bundled binary, spawned as a user runs it, with the original gehen's single-dash flags.
 * Needs `npm run build` first (`npm test` runs it before jest).
 */

const ROOT = join(__dirname, '..', '..');
const BINARY = join(ROOT, 'dist', 'cli', 'gehen.cjs');

describe('the gehen binary', () => {
  let e2e: E2e;
  let home: string;
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`npm run build\` first (npm test does)`);
    home = mkdtempSync(join(tmpdir(), 'gehen-home-'));
    e2e = await startE2e({ services: [demoService('api', { listen: 0 }), demoService('worker')], timing: FAST });
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await e2e?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  /** Runs `node dist/cli/gehen.cjs ARGS` against the sandbox, in CI, with no AWS config but the sandbox's. */
  function gehen(args: readonly string[]): Promise<CliRun> {
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
    const stdout: string[] = [];
    const stderr: string[] = [];
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        children.delete(child);
        resolve({ code: code ?? (signal ? 128 : 1), stdout: stdout.join(''), stderr: stderr.join('') });
      });
    });
  }

  it('prints its version with -version', async () => {
    const run = await gehen(['-version']);
    expect(run).toEqual({ code: 0, stdout: `gehen version ${version}\n`, stderr: '' });
  });

  it('deploys with the original flags, -gitsha SHA -path FILE, finding the state machine by name', async () => {
    const path = e2e.config(
      demoConfig({ services: { api: { url: `${e2e.sandbox.loadBalancers.api}/` }, worker: {} }, timeoutMinutes: 0.5 }),
    );
    const run = await gehen(['-gitsha', '2222222', '-path', path]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Deployed$/m);
    expect(run.stdout).toMatch(/^\d\d:\d\d:\d\d api: deployed/m);
    // A pipe in CI: plain lines, no colors, no cursor movement.
    expect(run.stdout).not.toContain('\u001b');
    expect((await e2e.service('api')).taskDefinition).toMatch(/api:2$/);
    expect((await e2e.service('worker')).taskDefinition).toMatch(/worker:2$/);
    const response = await fetch(`${e2e.sandbox.loadBalancers.api}/`);
    expect(response.headers.get('server')).toBe('api-2222222');
  });

  it('lists the environment variables and exit codes in --help', async () => {
    const run = await gehen(['deploy', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('AWS_ENDPOINT_URL');
    expect(run.stdout).toMatch(/^ {2}2 +something may be left on the new version/m);
  });
});
