import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
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
 *
 * The installed project is kept under .cache/consumer-cdk/<hash of that lockfile> and hard-linked
 * into `dir`: the same npm ci, run once per lockfile instead of once per test run (it unpacks
 * aws-cdk-lib's 9,000 files). The files npm rewrites when the test installs gehen (package.json,
 * both lockfiles) are copied, not linked, so the cached project never changes.
 */
export async function createCdkProject(dir: string, repoRoot: string): Promise<void> {
  const { manifest, lock } = cdkProject(repoRoot);
  const key = createHash('sha256').update(lock).digest('hex').slice(0, 16);
  const cached = join(repoRoot, '.cache', 'consumer-cdk', key);
  if (!existsSync(join(cached, 'node_modules', '.package-lock.json'))) {
    const staging = `${cached}.${process.pid}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, 'package.json'), manifest);
    writeFileSync(join(staging, 'package-lock.json'), lock);
    await npm(staging, ['ci', '--offline', '--no-audit', '--no-fund']);
    rmSync(cached, { recursive: true, force: true });
    renameSync(staging, cached);
  }
  linkTree(join(cached, 'node_modules'), join(dir, 'node_modules'));
  for (const file of ['package.json', 'package-lock.json', join('node_modules', '.package-lock.json')]) {
    rmSync(join(dir, file), { force: true });
    copyFileSync(join(cached, file), join(dir, file));
  }
}

/** `cp -al`, portably: directories made, files hard-linked, symlinks (node_modules/.bin) copied. */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const [source, target] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isDirectory()) linkTree(source, target);
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else linkSync(source, target);
  }
}

/** The CDK app's package.json and package-lock.json, as text. */
function cdkProject(repoRoot: string): { manifest: string; lock: string } {
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
  const projectLock = { name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true };
  return {
    manifest: JSON.stringify(manifest, null, 2),
    lock: JSON.stringify({ ...projectLock, packages: { '': manifest, ...picked } }, null, 2),
  };
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
