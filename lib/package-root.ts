import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The directory of gehen's package.json, found by walking up from this file: the same answer
 * from lib/ (ts), from dist/ (bundled CLI) and from .cache/ (the CDK app bundle).
 */
export function packageRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readName(manifest) === 'gehen') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find gehen's package.json above ${from}`);
    dir = parent;
  }
}

function readName(manifest: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
  } catch (error) {
    throw new Error(`cannot read ${manifest}`, { cause: error });
  }
}
