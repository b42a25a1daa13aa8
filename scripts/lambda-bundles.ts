// The Lambda steps' prebuilt bundles for the npm package (dist/lambdas/<step>/): synthesized
// exactly as `cdk synth` bundles them in a clone (lib/step-lambda.ts's esbuild options), then
// copied out of the cloud assembly, so the package's construct deploys the same code.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../lib/package-root';
import { PREBUILT_DIR } from '../lib/step-code';
import { STEP_TAG } from '../lib/step-lambda';
import { synthesizeGehen } from '../lib/synth';

interface FunctionResource {
  Properties?: { Code?: { S3Key?: unknown }; Tags?: Array<{ Key: string; Value: string }> };
}

const root = packageRoot(__dirname);
const outdir = mkdtempSync(join(tmpdir(), 'gehen-bundles-'));
try {
  const { template } = synthesizeGehen({ outdir, bundling: true });
  const target = join(root, PREBUILT_DIR);
  rmSync(target, { recursive: true, force: true });
  let count = 0;
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const props = (resource as FunctionResource).Properties;
    const step = props?.Tags?.find((tag) => tag.Key === STEP_TAG)?.Value;
    const hash = /^([0-9a-f]{64})\.zip$/.exec(String(props?.Code?.S3Key))?.[1];
    if (step === undefined || hash === undefined) continue;
    cpSync(join(outdir, `asset.${hash}`), join(target, step), { recursive: true });
    count++;
  }
  if (count === 0) throw new Error('the synthesized template has no bundled gehen step');
  process.stdout.write(`${count} Lambda bundles in ${target}\n`);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
