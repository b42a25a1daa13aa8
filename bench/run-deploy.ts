import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliIo } from '../cli/io';
import { runCli } from '../cli/program';
import type { GehenSandbox } from '../sandbox/gehen-sandbox';

export interface DeployRun {
  exitCode: number;
  status: string;
  executionArn: string;
  /** Epoch ms around the CLI call. */
  startedAt: number;
  endedAt: number;
}

/**
 * `gehen deploy --gitsha SHA --path gehen.yml --json` in-process against the sandbox, with the
 * CLI's real clock (it follows the execution every 1–2 s, as it would against AWS).
 */
export async function runDeploy(
  sandbox: GehenSandbox,
  dir: string,
  config: string,
  gitsha: string,
): Promise<DeployRun> {
  const path = join(dir, `gehen-${gitsha}.yml`);
  writeFileSync(path, config);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = {
    stdout: { write: (chunk: string) => stdout.push(chunk) },
    stderr: { write: (chunk: string) => stderr.push(chunk) },
    env: { CI: 'true' },
    cwd: dir,
    clock: { now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
    onInterrupt: () => () => {},
    exitCode: 0,
  };
  const args = ['deploy', '--gitsha', gitsha, '--path', path, '--json'];
  const startedAt = Date.now();
  const exitCode = await runCli([...args, '--endpoint', sandbox.endpoint, '--region', sandbox.region], io);
  const endedAt = Date.now();
  let report: { status?: string; execution?: string | null };
  try {
    report = JSON.parse(stdout.join(''));
  } catch (error) {
    throw new Error(`gehen deploy printed no JSON report (exit ${exitCode}): ${stderr.join('').slice(-2000)}`, {
      cause: error,
    });
  }
  if (!report.execution) throw new Error(`gehen deploy started no execution: ${stderr.join('').slice(-2000)}`);
  return { exitCode, status: report.status ?? 'unknown', executionArn: report.execution, startedAt, endedAt };
}
