import type { DeployConfig } from '../lambdas/shared/config/deploy-config';
import { ConfigError } from '../lambdas/shared/config/error';
import { smallestPlan } from '../lambdas/shared/contracts/offline-plan';
import { stateSizeProblem } from '../lambdas/shared/contracts/state-size';
import { loadConfig } from './config-file';
import { ExitCodes } from './exit-codes';
import type { CliIo } from './io';

export interface ValidateOptions {
  path: string;
  gitsha?: string;
}

/** Checks gehen.yml (and a SHA, when given) without calling AWS, and says what a deploy would touch. */
export function validate(options: ValidateOptions, io: CliIo): number {
  const { loaded, gitsha } = loadConfig(options.path, io.cwd, options.gitsha);
  // Prepare's byte check, on the smallest plan this file can become: what it refuses, Prepare would.
  const tooBig = stateSizeProblem(smallestPlan(loaded.config, gitsha));
  if (tooBig !== null) throw new ConfigError(options.path, [tooBig]);
  io.stdout.write(`${options.path} is valid.\n${describeConfig(loaded.config, gitsha, loaded.stateMachineArn)}`);
  return ExitCodes.deployed;
}

export function describeConfig(config: DeployConfig, gitsha: string | null, stateMachineArn: string | null): string {
  const lines: string[] = [`A deploy${gitsha ? ` of ${gitsha}` : ''} would touch:`];
  lines.push(`  services (${config.services.length}):`);
  for (const s of config.services) {
    const region = s.region ?? 'the default region';
    const containers = s.containers?.join(', ') ?? 'all';
    const testUrl = s.testUrl ? `  testUrl ${s.testUrl}` : '';
    lines.push(
      `    ${s.name}  cluster ${s.cluster} (${region})  url ${s.url ?? 'none (no probe)'}${testUrl}  containers ${containers}`,
    );
  }
  lines.push(`  scheduled tasks (${config.scheduledTasks.length}):`);
  for (const t of config.scheduledTasks) {
    lines.push(`    ${t.rule} (${t.region ?? 'the default region'})  containers ${t.containers?.join(', ') ?? 'all'}`);
  }
  lines.push(
    `  update strategy ${config.updateStrategy}; ${config.timeoutMinutes} min per phase; ` +
      `probe every ${config.pollIntervalSeconds} s; live after ${config.requiredMatches} matching responses`,
  );
  if (config.gate) {
    const { stage, approval, bakeMinutes } = config.gate;
    lines.push(
      `  a gate at ${stage}: every service pauses there and passes its testUrl, then ` +
        `${approval === 'manual' ? 'waits for gehen approve / gehen reject, then ' : ''}` +
        `${bakeMinutes ? `bakes ${bakeMinutes} min, then ` : ''}all continue together (or all roll back)`,
    );
  }
  if (config.roleArn) lines.push(`  acting as ${config.roleArn}`);
  if (stateMachineArn) lines.push(`  state machine ${stateMachineArn}`);
  return `${lines.join('\n')}\n`;
}
