import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Code } from 'aws-cdk-lib/aws-lambda';

/** Where a step's code comes from: its TypeScript source (a clone) or its prebuilt bundle (the npm package). */
export type StepCode =
  | { readonly kind: 'source'; readonly entry: string }
  | { readonly kind: 'prebuilt'; readonly code: Code; readonly handler: string };

/** The folder of the prebuilt bundles in the package: `dist/lambdas/<step>/index.js` (scripts/build-package.mjs). */
export const PREBUILT_DIR = join('dist', 'lambdas');

/**
 * A clone has `lambdas/<step>/handler.ts` and bundles it with the local esbuild at synth. The npm
 * package ships no sources, only the bundles `npm pack` made from them with the same esbuild
 * options, so a consumer's synth needs neither esbuild nor this repository.
 */
export function stepCode(root: string, step: string): StepCode {
  const entry = join(root, 'lambdas', step, 'handler.ts');
  if (existsSync(entry)) return { kind: 'source', entry };
  const prebuilt = join(root, PREBUILT_DIR, step);
  if (existsSync(join(prebuilt, 'index.js'))) {
    return { kind: 'prebuilt', code: Code.fromAsset(prebuilt), handler: 'index.handler' };
  }
  throw new Error(
    `gehen's ${step} step has neither its source (${entry}) nor its prebuilt bundle (${prebuilt}/index.js): reinstall gehen, or run npm run build:package in a clone`,
  );
}
