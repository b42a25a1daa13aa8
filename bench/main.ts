import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { packageRoot } from '../lib/package-root';
import { BENCH_SECTIONS, type BenchSection } from './result';
import { runBench } from './run-bench';
import { renderTable } from './table';

/**
 * `npm run bench [-- --smoke] [-- --only SECTION] [-- --out FILE]`: measures gehen on the sandbox,
 * prints one table and writes the same figures as JSON (default bench/results/latest.json;
 * smoke.tmp.json for --smoke; <SECTION>.json for --only).
 */
async function main(argv: readonly string[]): Promise<void> {
  const smoke = argv.includes('--smoke');
  const only = sectionOf(argv);
  const outIndex = argv.indexOf('--out');
  const root = packageRoot(__dirname);
  const out =
    outIndex >= 0 && argv[outIndex + 1]
      ? resolve(argv[outIndex + 1] as string)
      : join(root, 'bench', 'results', smoke ? 'smoke.tmp.json' : only ? `${only}.json` : 'latest.json');
  const command =
    process.env.npm_lifecycle_event === 'bench'
      ? `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`
      : `node dist/bench/bench.cjs ${argv.join(' ')}`.trim();
  const result = await runBench({ smoke, only, command, log: (line) => process.stderr.write(`${line}\n`) });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  const misses = result.targets.filter((t) => !t.pass).map((t) => t.name);
  process.stdout.write(`${renderTable(result)}\n\n`);
  process.stdout.write(
    `Machine: ${result.machine.cpuModel} × ${result.machine.cpus}, ${result.machine.memoryGiB} GiB, ${result.machine.os}, Node ${result.machine.node}\n` +
      `Command: ${result.command} (${result.durationSeconds.toFixed(0)} s); figures in ${out}\n` +
      `Targets: ${result.targets.length - misses.length}/${result.targets.length} met${misses.length > 0 ? `; missed: ${misses.join(', ')}` : ''}\n`,
  );
}

function sectionOf(argv: readonly string[]): BenchSection | undefined {
  const index = argv.indexOf('--only');
  if (index < 0) return undefined;
  const name = argv[index + 1];
  const section = BENCH_SECTIONS.find((s) => s === name);
  if (!section) throw new Error(`--only takes one of ${BENCH_SECTIONS.join(', ')}; got ${name ?? 'nothing'}`);
  return section;
}

main(process.argv.slice(2)).then(
  () => {
    // Keep-alive sockets and worker threads from the sandboxes must not hold the process open.
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
