import { execFile } from 'node:child_process';
import { MOTO_PROBE } from '../sandbox/moto/launcher';
import { MOTO_INSTALL_HINT, motoAvailable } from '../sandbox/moto/moto-server';

/**
 * Whether moto_server runs here, probed once per Jest run: each probe imports moto (2 s of Python
 * CPU), and three files ask. The e2e project's global setup probes (in parallel with its synth) and
 * hands the answer to every test file in this variable: `ok`, or why not.
 */
const VARIABLE = 'GEHEN_TEST_MOTO';

/** The global setup's probe: `ok`, or the reason moto cannot run, as motoAvailable() words it. */
export function probeMoto(python = 'python3'): Promise<string> {
  return new Promise((resolve) => {
    execFile(python, ['-c', MOTO_PROBE], (error) =>
      resolve(error ? `moto_server is not installed for ${python}: ${MOTO_INSTALL_HINT}` : 'ok'),
    );
  });
}

export function rememberMoto(answer: string): void {
  process.env[VARIABLE] = answer;
}

/** The run's answer; a file run outside the e2e project (no global setup) probes for itself. */
export function motoForTests(): { ok: true } | { ok: false; reason: string } {
  const answer = process.env[VARIABLE];
  if (answer === undefined) return motoAvailable();
  return answer === 'ok' ? { ok: true } : { ok: false, reason: answer };
}
