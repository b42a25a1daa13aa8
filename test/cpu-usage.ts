import { appendFileSync, readFileSync } from 'node:fs';

/**
 * GEHEN_TEST_CPU=<file>: appends one line per test file, `<file>\t<cpu seconds>\t<children cpu
 * seconds>\t<Lambda worker threads started>`, for CONTRIBUTING.md's per-file table. CPU, not wall time: the machine is shared, and
 * each Jest worker runs one file at a time, so the process's CPU between this file's setup and its
 * last afterAll is the file's own (its worker threads included; its waited-for child processes,
 * npm or the CLI binary, from /proc's cutime and cstime).
 */
const out = process.env.GEHEN_TEST_CPU;
if (out) {
  const start = process.cpuUsage();
  const startChildren = childrenSeconds();
  afterAll(async () => {
    const { user, system } = process.cpuUsage(start);
    const own = ((user + system) / 1e6).toFixed(2);
    const children = (childrenSeconds() - startChildren).toFixed(2);
    // The file's own module registry: 0 when the file started no sandbox.
    const { lambdaWorkerStarts } = await import('../sandbox/stepfunctions/lambda-function');
    appendFileSync(out, `${expect.getState().testPath}\t${own}\t${children}\t${lambdaWorkerStarts()}\n`);
  });
}

/** User and system seconds of this process's waited-for children (Linux: /proc/self/stat). */
function childrenSeconds(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    // After the command: state is field 3; cutime and cstime are fields 16 and 17, in clock ticks.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}
