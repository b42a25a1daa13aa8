// Everything `npm pack` ships beyond the CLI binary (scripts/build-cli.mjs): the `gehen` and
// `gehen/cdk` entry points, the Lambda steps' prebuilt bundles, and the type declarations.
// Dependencies are bundled in, so the package has none: aws-cdk-lib and constructs stay outside
// as the app's own (peer dependencies).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
};
const PEERS = ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'];

// The Lambda bundles first: the construct refuses to synthesize from the package without them.
await build({
  ...common,
  entryPoints: ['scripts/lambda-bundles.ts'],
  outfile: '.cache/lambda-bundles.cjs',
  packages: 'external',
});
execFileSync(process.execPath, [join(root, '.cache', 'lambda-bundles.cjs')], { stdio: 'inherit' });

// The AWS SDK is most of it: minified, as the binary is.
await build({ ...common, entryPoints: ['cli/index.ts'], outfile: 'dist/cli/index.cjs', external: PEERS, minify: true });
await build({ ...common, entryPoints: ['lib/index.ts'], outfile: 'dist/cdk/index.cjs', external: PEERS });

rmSync(join(root, 'dist', 'types'), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
