import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface LockEntry {
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/**
 * A fresh npm project in `dir` with aws-cdk-lib and constructs as a CDK app has them, installed
 * offline: its lockfile is cut from this repository's (same versions, same integrity hashes), so
 * `npm ci --offline` takes every tarball from the npm cache that this repository's `npm ci` filled.
 */
export async function createCdkProject(dir: string, repoRoot: string): Promise<void> {
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const picked: Record<string, LockEntry> = {};
  const add = (key: string): void => {
    if (picked[key]) return;
    const entry = lock.packages[key];
    if (!entry) throw new Error(`${key} is not in package-lock.json`);
    picked[key] = entry;
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      const found = resolveFrom(lock.packages, key, name);
      if (found) add(found);
      else if (!entry.optionalDependencies?.[name])
        throw new Error(`${name} (needed by ${key}) is not in the lockfile`);
    }
  };
  const dependencies: Record<string, string> = {};
  for (const name of ['aws-cdk-lib', 'constructs']) {
    add(`node_modules/${name}`);
    dependencies[name] = (picked[`node_modules/${name}`] as LockEntry).version;
  }
  const manifest = { name: 'my-cdk-app', version: '1.0.0', private: true, dependencies };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  const projectLock = { name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true };
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({ ...projectLock, packages: { '': manifest, ...picked } }, null, 2),
  );
  await npm(dir, ['ci', '--offline', '--no-audit', '--no-fund']);
}

/** Runs npm in `dir`, never against the network. */
export async function npm(dir: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return run('npm', args, {
    cwd: dir,
    env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false' },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Node's lookup: `name` in the nearest node_modules at or above the package at `from`. */
function resolveFrom(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const key = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
    if (packages[key]) return key;
    if (dir === '') return undefined;
    const parent = dir.lastIndexOf('/node_modules/');
    dir = parent < 0 ? '' : dir.slice(0, parent);
  }
}
