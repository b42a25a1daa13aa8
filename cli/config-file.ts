import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../lambdas/shared/config/error';
import type { LoadedConfig } from '../lambdas/shared/config/schema';
import { parseGehenYaml } from '../lambdas/shared/config/yaml';
import { parseGitsha } from '../lambdas/shared/contracts/execution-input';

/** Reads and validates gehen.yml (and the SHA, when given): every problem at once, each with its path. */
export function loadConfig(
  path: string,
  cwd: string,
  gitsha?: string,
): { loaded: LoadedConfig; gitsha: string | null } {
  const problems: string[] = [];
  let sha: string | null = null;
  if (gitsha !== undefined) {
    try {
      sha = parseGitsha(gitsha);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  let loaded: LoadedConfig | null = null;
  try {
    loaded = parseGehenYaml(readText(path, cwd), path);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0 || loaded === null) throw new ConfigError(path, problems);
  return { loaded, gitsha: sha };
}

function readText(path: string, cwd: string): string {
  try {
    return readFileSync(resolve(cwd, path), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(error);
    throw new ConfigError(path, [`${path}: cannot read the file (${reason}); pass --path FILE`]);
  }
}

/** Prints a ConfigError's problems, one per line, under what was being validated. */
export function formatConfigError(error: ConfigError): string {
  return `${error.source} is not valid:\n${error.problems.map((p) => `  ${p}`).join('\n')}\n`;
}
