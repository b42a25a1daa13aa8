import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { ACCOUNT } from '../ids';
import { MOTO_LAUNCHER, MOTO_PROBE } from './launcher';

/** How to get moto_server, said wherever it is missing. */
export const MOTO_INSTALL_HINT = "pip install 'moto[server,stepfunctions]'";

/** moto (with its server and Step Functions extras) cannot be imported by the Python given. */
export class MotoMissingError extends Error {
  override readonly name = 'MotoMissingError';
  constructor(python: string, options?: ErrorOptions) {
    super(`the moto engine needs moto_server, which ${python} cannot run: ${MOTO_INSTALL_HINT}`, options);
  }
}

export interface MotoServerOptions {
  /**
   * The port moto's Step Functions interpreter sends its Lambda calls to. moto builds that client
   * with `endpoint_url=http://localhost:$MOTO_PORT` (moto/stepfunctions/parser/asl/utils/boto_client.py,
   * moto 5.2.1), meant to be moto itself; pointing MOTO_PORT at the sandbox sends every Lambda
   * Invoke to the sandbox's Invoke API instead. moto_server's own port is `-p`, unaffected.
   */
  lambdaPort: number;
  /** The Python that has moto installed. @default python3 */
  python?: string;
  /** Receives moto_server's output lines (its request log). @default dropped */
  onLog?: (line: string) => void;
}

export interface MotoServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts moto_server on a free loopback port (`-p 0`: the port is read from its "Running on" line),
 * its account the sandbox's (MOTO_ACCOUNT_ID), with Step Functions executing state machines.
 */
export async function startMotoServer(options: MotoServerOptions): Promise<MotoServer> {
  const python = options.python ?? 'python3';
  const child = spawn(python, ['-c', MOTO_LAUNCHER, '-H', '127.0.0.1', '-p', '0'], {
    env: { ...process.env, MOTO_PORT: String(options.lambdaPort), MOTO_ACCOUNT_ID: ACCOUNT },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      const running = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (running?.[1]) resolve(running[1]);
      for (const line of text.split('\n')) if (line) options.onLog?.(line);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new MotoMissingError(python, { cause: error }) : error),
    );
    child.once('exit', (code) => {
      if (/ModuleNotFoundError|No module named/.test(output)) reject(new MotoMissingError(python));
      else reject(new Error(`moto_server exited (code ${code}) before listening:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await stop(child);
    throw error;
  });
  await enableExecutions(url);
  return { url, close: () => stop(child) };
}

/**
 * moto's Step Functions only records executions unless `execute_state_machine` is on; then its
 * parser backend (LocalStack's ASL interpreter) runs them (moto/stepfunctions/responses.py get_backend).
 */
async function enableExecutions(url: string): Promise<void> {
  const response = await fetch(`${url}/moto-api/config`, {
    method: 'POST',
    body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`moto_server refused its config (HTTP ${response.status})`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

/** Whether moto_server can run here; if not, why and how to install it. */
export function motoAvailable(python = 'python3'): { ok: true } | { ok: false; reason: string } {
  const probe = spawnSync(python, ['-c', MOTO_PROBE], { encoding: 'utf8' });
  if (probe.status === 0) return { ok: true };
  return { ok: false, reason: `moto_server is not installed for ${python}: ${MOTO_INSTALL_HINT}` };
}
