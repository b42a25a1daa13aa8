// Bundles the benchmark (bench/main.ts) into dist/bench/bench.cjs; its dependencies stay in
// node_modules, as for the sandbox.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

await build({
  absWorkingDir: join(dirname(fileURLToPath(import.meta.url)), '..'),
  entryPoints: ['bench/main.ts'],
  outfile: 'dist/bench/bench.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: false,
  logLevel: 'warning',
});
