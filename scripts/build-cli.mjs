// Bundles the CLI into one file behind package.json's `bin`, so `gehen` starts fast: the AWS SDK
// is inside it, and what only the sandbox needs (aws-cdk-lib, aws-local-stepfunctions, esbuild)
// stays outside and loads when `gehen sandbox` or `gehen demo` runs.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SANDBOX_ONLY = ['aws-cdk-lib', 'aws-local-stepfunctions', 'esbuild', 'constructs'];

/** `require('../sandbox/commands')` in cli/sandbox.ts: resolved at run time next to the bundle (dist/sandbox/commands.js). */
const sandboxOutside = {
  name: 'sandbox-outside',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/sandbox\/commands$/ }, (args) =>
      args.importer.includes(`${join('cli', 'sandbox.ts')}`)
        ? { path: '../sandbox/commands', external: true }
        : undefined,
    );
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: ['cli/main.ts'],
  outfile: 'dist/cli/gehen.cjs',
  banner: { js: '#!/usr/bin/env node' },
  external: SANDBOX_ONLY,
  plugins: [sandboxOutside],
  metafile: false,
});

// The GitHub Action's entry (action.yml): the same CLI, without the sandbox.
await build({
  ...common,
  entryPoints: ['cli/github-action-main.ts'],
  outfile: 'dist/action/index.cjs',
  external: SANDBOX_ONLY,
  plugins: [sandboxOutside],
});

// The sandbox, where cli/sandbox.ts looks for it. Its heavy dependencies stay in node_modules: the
// npm package lists them as optional peer dependencies, and cli/sandbox.ts names any that is missing.
if (existsSync(join(root, 'sandbox', 'commands.ts'))) {
  await build({
    ...common,
    entryPoints: ['sandbox/commands.ts'],
    outfile: 'dist/sandbox/commands.js',
    external: SANDBOX_ONLY,
  });
}
