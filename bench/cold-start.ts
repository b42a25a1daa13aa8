import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import type { BenchFunction } from './bench-functions';
import type { BundleStart, CliStart } from './result';
import { median } from './stats';

/** What the Lambda runtime sets besides the function's own environment. */
const LAMBDA_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'sandbox',
  AWS_SECRET_ACCESS_KEY: 'sandbox',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
};

/**
 * Each bundle's size and module load time in a fresh Node process, with the function's
 * environment (NODE_OPTIONS included): the child times `require` itself, so process start-up
 * is not counted.
 */
export function bundleStarts(functions: readonly BenchFunction[], runs: number): BundleStart[] {
  return functions.map((fn) => {
    const script = `const t=process.hrtime.bigint();require(${JSON.stringify(fn.entry)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
    const env = { PATH: process.env.PATH ?? '', ...LAMBDA_ENV, ...fn.environment, AWS_LAMBDA_FUNCTION_NAME: fn.step };
    const loadMsSamples = Array.from({ length: runs }, () => {
      const child = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
      const ms = Number(child.stdout);
      if (child.status !== 0 || !Number.isFinite(ms)) {
        throw new Error(`loading the ${fn.step} bundle failed (exit ${child.status}): ${child.stderr.slice(-1000)}`);
      }
      return ms;
    });
    return {
      step: fn.step,
      bytes: statSync(fn.entry).size,
      memoryMb: fn.memoryMb,
      loadMsSamples,
      loadMsMedian: median(loadMsSamples),
    };
  });
}

/** A CLI command to time: its arguments, the exit code it must end with, and its name in the table. */
export interface CliCommand {
  args: readonly string[];
  /** @default 0 */
  exitCode?: number;
  /** @default `gehen <args>` */
  name?: string;
}

/** Wall time of `node dist/cli/gehen.cjs <args>`, spawn to exit. */
export function cliStarts(cliPath: string, commands: readonly CliCommand[], runs: number): CliStart[] {
  return commands.map(({ args, exitCode = 0, name = `gehen ${args.join(' ')}` }) => {
    const msSamples = Array.from({ length: runs }, () => {
      const started = process.hrtime.bigint();
      const child = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8' });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (child.status !== exitCode) {
        throw new Error(`${name} exited ${child.status}, not ${exitCode}: ${child.stderr.slice(-1000)}`);
      }
      return ms;
    });
    return { command: name, msSamples, msMedian: median(msSamples) };
  });
}
