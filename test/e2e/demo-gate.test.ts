import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * `gehen demo --gate` as a user runs it (README): three canary services through one gate, a good
 * SHA deployed, then a SHA whose test listeners report another version rolled back on all three
 * before any production listener served it. The demo checks each claim against the sandbox's
 * traffic log and exits 0 only when all hold.
 */
const ROOT = join(__dirname, '..', '..');
const BINARY = join(ROOT, 'dist', 'cli', 'gehen.cjs');

describe('gehen demo --gate', () => {
  it('deploys a good SHA through the gate and rolls a bad one back before production sees it', async () => {
    if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`npm run build\` first (npm test does)`);
    const run = await promisify(execFile)(process.execPath, [BINARY, 'demo', '--gate'], {
      cwd: ROOT,
      env: { ...process.env, CI: 'true' },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { code?: number; stdout?: string; stderr?: string }) => error);
    const output = `${run.stdout}${run.stderr}`;

    expect({ code: 'code' in run ? run.code : 0, output }).toEqual({ code: 0, output: expect.any(String) });
    expect(output).toMatch(/ok {2}deploy 2222222 exited 0/);
    expect(output).toMatch(/ok {2}deploy 0ddba11 exited 1 \(expected 1: rolled back\)/);
    expect(output).toMatch(/ok {2}no production listener ever served 0ddba11/);
    expect(output).not.toMatch(/^ {2}NOT /m);
  });
});
