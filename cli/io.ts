import { setTimeout as delay } from 'node:timers/promises';

/** Where the CLI writes and what it reads from its surroundings: injected so tests need no real process. */
export interface Output {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Time, injected so tests of the watch neither sleep nor depend on the date. */
export interface Clock {
  now(): number;
  /** Rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface CliIo {
  stdout: Output;
  stderr: Output;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  clock: Clock;
  /** Calls `handler` on Ctrl-C until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
  /** The exit code the last action decided; main.ts copies it to process.exitCode. */
  exitCode: number;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    clock: { now: Date.now, sleep: (ms, signal) => delay(ms, undefined, { signal }) },
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
    exitCode: 0,
  };
}
