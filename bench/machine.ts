import { cpus, release, totalmem, type } from 'node:os';
import type { Machine } from './result';

/** The machine a run measured: figures from different machines do not compare. */
export function machine(): Machine {
  const cores = cpus();
  return {
    os: `${type()} ${release()}`,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cpus: cores.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
  };
}
