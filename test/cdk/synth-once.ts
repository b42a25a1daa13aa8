import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SynthesizedGehen, synthesizeGehen } from '../../lib/synth';

/** Template-only synthesis: no bundling, no CloudFormation validation. Seconds, not minutes. */
export function synthForTest(context: Record<string, unknown> = {}): SynthesizedGehen {
  return synthesizeGehen({ outdir: mkdtempSync(join(tmpdir(), 'gehen-cdk-')), bundling: false, context });
}
