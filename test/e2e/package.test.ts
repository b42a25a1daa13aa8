import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { version } from '../../package.json';
import { createCdkProject, npm } from './consumer-project';

/**
 * The npm package as a user gets it: `npm pack`, installed offline into a fresh CDK app that has
 * only aws-cdk-lib and constructs, then used there — the construct from `gehen/cdk`, the CLI
 * from `gehen`, and the `gehen` binary. Needs `npm run build` first (npm test runs it): the test
 * builds the package's own files (scripts/build-package.mjs) and packs with --ignore-scripts, so
 * it never rewrites the binary other suites are running.
 */

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);
const STEPS = [
  'prepare',
  'check-target-roles',
  'acquire-lock',
  'prepare-restore',
  'register-task-definition',
  'update-service',
  'update-scheduled-task',
  'probe',
  'check-drain',
  'gate',
  'roll-back',
  'report',
  'clean-up-revisions',
  'notify',
  'release-lock',
  'park-wait',
  'wake',
];

interface PackedFile {
  path: string;
}

describe('the npm package', () => {
  let work: string;
  let app: string;
  let files: string[];
  let installLog: string;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'cli', 'gehen.cjs')))
      throw new Error('run `npm run build` first (npm test does)');
    work = mkdtempSync(join(tmpdir(), 'gehen-package-'));
    await run(process.execPath, [join(ROOT, 'scripts', 'build-package.mjs')], { cwd: ROOT, maxBuffer: 64 << 20 });
    const packed = await npm(ROOT, ['pack', '--ignore-scripts', '--json', '--pack-destination', work]);
    const [summary] = JSON.parse(packed.stdout) as Array<{ filename: string; files: PackedFile[] }>;
    if (!summary) throw new Error(`npm pack printed no summary: ${packed.stdout}`);
    files = summary.files.map((file) => file.path);

    app = join(work, 'app');
    mkdirSync(app);
    await createCdkProject(app, ROOT);
    const installed = await npm(app, ['install', '--offline', '--no-audit', '--no-fund', join(work, summary.filename)]);
    installLog = installed.stdout;
  }, 900_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships the binary, both entry points, their types and a bundle per Lambda step, and no sources', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/cli/gehen.cjs',
        'dist/cli/index.cjs',
        'dist/cdk/index.cjs',
        'dist/types/cli/index.d.ts',
        'dist/types/lib/index.d.ts',
        'dist/sandbox/commands.js',
        ...STEPS.map((step) => `dist/lambdas/${step}/index.js`),
      ]),
    );
    expect(files.filter((file) => /^(lambdas|lib|cli|sandbox|test|scripts)\//.test(file))).toEqual([]);
  });

  it('adds itself and nothing else: every dependency is bundled in', () => {
    expect(installLog).toMatch(/added 1 package\b/);
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', 'gehen', 'package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({});
  });

  it('prints the version of package.json from the installed binary', async () => {
    const { stdout } = await run(join(app, 'node_modules', '.bin', 'gehen'), ['--version'], { cwd: app });
    expect(stdout).toBe(`gehen version ${version}\n`);
  });

  it("synthesizes GehenDeployer from gehen/cdk in the app's own stack, without esbuild", async () => {
    writeFileSync(
      join(app, 'app.js'),
      `const { App, Stack } = require('aws-cdk-lib');
const { GehenDeployer } = require('gehen/cdk');
const app = new App({ outdir: 'cdk.out' });
new GehenDeployer(new Stack(app, 'MyStack'), 'Gehen', { maxConcurrency: 3 });
app.synth();
`,
    );
    await run(process.execPath, ['app.js'], { cwd: app });
    expect(() => require.resolve('esbuild', { paths: [app] })).toThrow();

    const template = JSON.parse(readFileSync(join(app, 'cdk.out', 'MyStack.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const resources = Object.values(template.Resources);
    expect(resources.filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')).toHaveLength(1);
    const functions = resources.filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(STEPS.length);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Handler: 'index.handler' });
      // The asset CDK would upload: the step's bundle, ready to run.
      const key = String((fn.Properties.Code as { S3Key: string }).S3Key);
      const asset = join(app, 'cdk.out', `asset.${key.replace(/\.zip$/, '')}`);
      expect(readdirSync(asset)).toContain('index.js');
      const bundle = readFileSync(join(asset, 'index.js'), 'utf8');
      expect(bundle).toContain('handler');
    }
  }, 300_000);

  it('runs the CLI as a function from gehen: validate reads a gehen.yml and returns its exit code', async () => {
    writeFileSync(join(app, 'good.yml'), 'services:\n  api:\n    cluster: prod\n    url: https://api.example.com\n');
    writeFileSync(join(app, 'bad.yml'), 'services:\n  api:\n    clusterr: prod\n');
    writeFileSync(
      join(app, 'validate.js'),
      `const { runCli } = require('gehen');
const io = (out) => ({ write: (chunk) => out.push(String(chunk)) });
(async () => {
  const results = [];
  for (const file of ['good.yml', 'bad.yml']) {
    const stdout = [], stderr = [];
    const code = await runCli(['validate', '--path', file], {
      stdout: io(stdout), stderr: io(stderr), env: {}, cwd: process.cwd(),
      clock: { now: Date.now, sleep: async () => {} }, onInterrupt: () => () => {}, exitCode: 0,
    });
    results.push({ file, code, output: stdout.join('') + stderr.join('') });
  }
  process.stdout.write(JSON.stringify(results));
})();
`,
    );
    const { stdout } = await run(process.execPath, ['validate.js'], { cwd: app });
    const [good, bad] = JSON.parse(stdout) as Array<{ code: number; output: string }>;
    expect(good?.code).toBe(0);
    expect(bad?.code).toBe(1);
    expect(bad?.output).toContain('clusterr');
  });

  it("types a TypeScript app's use of gehen and gehen/cdk, and rejects a wrong prop", async () => {
    const use = (concurrency: string) => `import { App, Stack } from 'aws-cdk-lib';
import { type CliReport, runCli } from 'gehen';
import { GehenDeployer } from 'gehen/cdk';
const deployer = new GehenDeployer(new Stack(new App(), 'MyStack'), 'Gehen', { maxConcurrency: ${concurrency} });
export const arn: string = deployer.stateMachine.stateMachineArn;
export const exitCode: Promise<number> = runCli(['validate']);
export const services = (report: CliReport): number[] => report.services.map((s) => s.seconds ?? 0);
`;
    writeFileSync(join(app, 'good.ts'), use('3'));
    writeFileSync(join(app, 'wrong.ts'), use("'three'"));
    // One compiler run for both (aws-cdk-lib's types take seconds to load): only wrong.ts may fail.
    const output = await run(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        // As `tsc --init` sets it: the declarations name the bundled packages' types (zod, the SDK),
        // which a consumer does not install.
        '--skipLibCheck',
        '--types',
        'node',
        '--typeRoots',
        join(ROOT, 'node_modules', '@types'),
        'good.ts',
        'wrong.ts',
      ],
      { cwd: app },
    ).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    const errors = output.split('\n').filter((line) => line.includes('error TS'));
    expect(errors).toEqual([
      expect.stringMatching(/^wrong\.ts.*error TS2322: Type 'string' is not assignable to type 'number'/),
    ]);
  }, 300_000);

  it('names what to install when gehen sandbox runs without its optional packages', async () => {
    const result = await run(join(app, 'node_modules', '.bin', 'gehen'), ['sandbox'], { cwd: app }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('npm install --save-dev aws-cdk-lib constructs aws-local-stepfunctions');
  });
});
