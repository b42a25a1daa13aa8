import { StateNames } from '../lib/state-names';
import { field, isRoundState } from './history-values';
import type { Changes } from './progress-changes';
import { type ExecutionProgress, FINAL_PHASES, type Phase } from './progress-model';

export type DoneWord = 'live' | 'drained' | 'previous version live' | 'failed version drained';

/** The states that leave with a poll round: the phase their services wait in, and what done means there. */
export const ROUND_STATES: ReadonlyMap<string, { phase: Phase; doneWord: DoneWord }> = new Map([
  [StateNames.probe, { phase: 'verifying', doneWord: 'live' }],
  [StateNames.checkDrain, { phase: 'draining', doneWord: 'drained' }],
  [StateNames.probeRollback, { phase: 'rolling back', doneWord: 'previous version live' }],
  [StateNames.checkDrainRollback, { phase: 'rolling back', doneWord: 'failed version drained' }],
]);

/** A poll round: who is done, who failed, who is still waiting. */
export function onRound(
  progress: ExecutionProgress,
  changes: Changes,
  output: unknown,
  phase: Phase,
  doneWord: DoneWord,
): void {
  const round = field(output, 'round') ?? output;
  if (!isRoundState(round)) return;
  const failed = new Map(round.failures.map((f) => [f.service, f.reason]));
  const waiting = new Set(round.waiting);
  // `waiting` names at most 10: past that, a service not named may still be waiting.
  const waitingComplete = round.waiting.length >= round.total - round.done;
  const counts = `${round.done}/${round.total} ${doneWord}`;
  for (const service of progress.services.values()) {
    if (FINAL_PHASES.has(service.phase)) continue;
    const reason = failed.get(service.name);
    if (reason !== undefined) {
      changes.service(service.name, 'failed', reason);
    } else if (round.status === 'done' || (waitingComplete && !waiting.has(service.name))) {
      changes.service(
        service.name,
        phase === 'verifying' ? 'live' : phase,
        phase === 'verifying' ? counts : `${doneWord}`,
      );
    } else {
      changes.service(service.name, phase, counts);
    }
  }
}
