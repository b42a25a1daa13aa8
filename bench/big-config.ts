import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the bench names the command that validates the file below. */
export const BIG_CONFIG_COMMAND = 'gehen validate --path 3MB.yml';

/**
 * A 3 MB gehen.yml (issue 13: "a 3 MB gehen.yml validates in under 2 s"): 14,000-odd services,
 * each with a cluster ARN, a url and two containers. gehen refuses it by its size, before parsing
 * (lambdas/shared/config/bounds.ts, MAX_CONFIG_BYTES), so `gehen validate` exits 1.
 */
export function writeBigConfig(dir: string, bytes = 3 * 1024 * 1024): string {
  const lines = ['services:'];
  let size = lines[0]?.length ?? 0;
  for (let i = 0; size < bytes; i++) {
    const entry = [
      `  service-${String(i).padStart(6, '0')}-of-a-large-fleet:`,
      `    cluster: arn:aws:ecs:eu-west-1:123456789012:cluster/prod-${i % 50}`,
      `    url: https://service-${i}.example.com/ping`,
      '    containers:',
      '      - service',
      '      - sidecar',
    ];
    lines.push(...entry);
    size += entry.join('\n').length + 1;
  }
  const path = join(dir, '3MB.yml');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}
