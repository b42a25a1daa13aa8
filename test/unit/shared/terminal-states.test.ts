import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { outcomeOf } from '../../../cli/exit-codes';
import { type TerminalState, TerminalStates } from '../../../lambdas/shared/contracts/terminal-states';

/** The rows of README's table of terminal states ("Every way a deployment can end"). */
function readmeEndings(): Array<{ name: string; error: string; exit: string }> {
  const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
  const lines = readme.split('\n');
  const header = lines.findIndex((line) => /^\| terminal state \| error \| exit \|/.test(line));
  if (header < 0) throw new Error('README has no table of terminal states');
  const rows: Array<{ name: string; error: string; exit: string }> = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const [name = '', error = '', exit = ''] = line
      .split('|')
      .slice(1)
      .map((cell) => cell.trim());
    rows.push({ name, error: error.replace(/`/g, ''), exit });
  }
  return rows;
}

const states: TerminalState[] = Object.values(TerminalStates);

describe('the table of terminal states', () => {
  it("is README's table: every state of gehen's with its error and exit code, and no other", () => {
    const documented = readmeEndings()
      .filter((row) => !row.name.startsWith('*('))
      .map(({ name, error, exit }) => ({ name, error, exit }));
    expect(documented).toEqual(
      expect.arrayContaining(
        states.map((state) => ({ name: state.name, error: state.error ?? '—', exit: String(state.exitCode) })),
      ),
    );
    expect(documented).toHaveLength(states.length);
  });

  it('is what the CLI maps an execution that ended in each state to', () => {
    for (const state of states) {
      const termination =
        state.error === null
          ? { kind: 'succeeded' as const, ...(state.status === 'skipped' ? { skipped: 'a duplicate push' } : {}) }
          : { kind: 'failed' as const, error: state.error, cause: null };
      expect(outcomeOf(termination)).toEqual({ status: state.status, exitCode: state.exitCode });
    }
  });

  it("README's endings that are not gehen's (stopped, timed out, uncatchable) exit 2 until restored, as the CLI does", () => {
    const others = readmeEndings().filter((row) => row.name.startsWith('*('));
    expect(others.length).toBeGreaterThan(0);
    for (const row of others) expect(row.exit).toMatch(/^2\b/);
    expect(outcomeOf({ kind: 'aborted', error: 'ABORTED', cause: null }).exitCode).toBe(2);
    expect(outcomeOf({ kind: 'timed-out', error: 'States.Timeout', cause: null }).exitCode).toBe(2);
    expect(outcomeOf({ kind: 'failed', error: 'States.Runtime', cause: null }).exitCode).toBe(2);
  });
});
