#!/usr/bin/env node
// The CDK app entry for `npx cdk synth|deploy`: bundles bin/app.ts with esbuild (a dependency, so
// no build step and no ts-node) into .cache/ and runs it. Packages stay external: aws-cdk-lib is
// loaded from node_modules, so the bundle is small and takes milliseconds.
const { buildSync } = require('esbuild');
const { join } = require('node:path');

const root = join(__dirname, '..');
const outfile = join(root, '.cache', 'cdk-app.cjs');
buildSync({
  entryPoints: [join(root, 'bin', 'app.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
require(outfile);
