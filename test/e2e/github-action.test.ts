import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { circuitBreaker, demoConfig, demoService, FAST } from './fleets';
import { type E2e, startE2e } from './harness';

/**
 * The GitHub Action's entry point (dist/action/index.cjs, what action.yml runs), spawned with the
 * environment GitHub Actions gives a step: INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY
 * files, GITHUB_SHA. Needs `npm run build` first (`npm test` runs it before jest).
 */

const ROOT = join(__dirname, '..', '..');
const ENTRY = join(ROOT, 'dist', 'action', 'index.cjs');

describe('the GitHub Action', () => {
  let e2e: E2e;
  let workspace: string;

  beforeAll(async () => {
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` first (npm test does)`);
    e2e = await startE2e({
      services: [demoService('api', { listen: 0, circuitBreaker }), demoService('worker', { circuitBreaker })],
      timing: FAST,
      faults: { bad0000: 'crash' },
    });
    workspace = mkdtempSync(join(tmpdir(), 'gehen-action-'));
    writeFileSync(
      join(workspace, 'gehen.yml'),
      demoConfig({
        services: { api: { url: `${e2e.sandbox.loadBalancers.api}/` }, worker: {} },
        timeoutMinutes: 0.5,
      }),
    );
  });
  afterAll(async () => {
    await e2e?.close();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  /** Runs the action's entry as GitHub runs a step; returns its exit code, log, outputs and summary. */
  async function runAction(inputs: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), 'gehen-runner-'));
    const outputFile = join(dir, 'output');
    const summaryFile = join(dir, 'summary');
    writeFileSync(outputFile, '');
    writeFileSync(summaryFile, '');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_SHA: '2222222aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      AWS_ENDPOINT_URL: e2e.sandbox.endpoint,
      AWS_REGION: e2e.sandbox.region,
      AWS_ACCESS_KEY_ID: 'sandbox',
      AWS_SECRET_ACCESS_KEY: 'sandbox',
    };
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
    const child = spawn(process.execPath, [ENTRY], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (exit) => resolve(exit ?? 1));
    });
    const outputs = Object.fromEntries(
      readFileSync(outputFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const summary = readFileSync(summaryFile, 'utf8');
    rmSync(dir, { recursive: true, force: true });
    return { code, log, outputs, summary };
  }

  it('deploys the commit GitHub checked out, and says so in the outputs and the step summary', async () => {
    const run = await runAction({ gitsha: '', path: 'gehen.yml', 'state-machine': '', region: '' });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      status: 'deployed',
      'exit-code': '0',
      'execution-arn': expect.stringMatching(/:execution:gehen-deploy:2222222-/),
      'console-url': expect.stringMatching(/^https:\/\/.*console\.aws\.amazon\.com\/states\/.*executions\/details\//),
    });
    expect(run.summary).toContain('### gehen: Deployed `2222222`');
    expect(run.summary).toMatch(/\| Service \| Revision \| Outcome \| Time \|/);
    expect(run.summary).toMatch(/\| api \| api:1 → api:2 \| deployed \| \d+s \|/);
    expect(run.summary).toContain('[The execution in the Step Functions console](https://');
    expect(run.log).toContain('api: deployed');
    expect(run.log).not.toContain('::error');
  });

  it('fails the step on a rollback, with annotations that say which service failed and why', async () => {
    const run = await runAction({ gitsha: 'bad0000', path: 'gehen.yml', 'wait-timeout': '5' });
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ status: 'rolled-back', 'exit-code': '1' });
    expect(run.log).toMatch(/^::error title=gehen rolled-back::Rolled back \(Gehen\.RolledBack/m);
    expect(run.log).toMatch(/^::error title=gehen api::api: rolled back: .*circuit breaker/m);
    expect(run.summary).toContain('### gehen: Rolled back `bad0000`');
    expect(run.summary).toMatch(/\| api \| api:2 → api:3 \| rolled back: /);
  });

  it('reports an invalid gehen.yml as a failed step with the problems in the summary', async () => {
    writeFileSync(join(workspace, 'broken.yml'), 'services:\n  api:\n    cluster: demo\n    url: ftp://x/\n');
    const run = await runAction({ gitsha: '3333333', path: 'broken.yml' });
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ status: 'failed', 'exit-code': '1', 'execution-arn': '' });
    expect(run.summary).toContain('services.api.url');
    expect(run.log).toMatch(/^::error title=gehen failed::/m);
  });

  it('action.yml declares the inputs and outputs the entry point reads and writes', () => {
    const action = parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8'));
    expect(Object.keys(action.inputs)).toEqual(['gitsha', 'path', 'state-machine', 'region', 'wait-timeout']);
    expect(Object.keys(action.outputs)).toEqual(['status', 'exit-code', 'execution-arn', 'console-url']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JavaScript template
    expect(action.inputs.gitsha.default).toBe('${{ github.sha }}');
    const step = action.runs.steps.find((s: { id?: string }) => s.id === 'deploy');
    expect(step.run).toContain('dist/action/index.cjs');
    for (const name of Object.keys(action.inputs)) expect(step.env[`INPUT_${name.toUpperCase()}`]).toBeDefined();
  });
});
