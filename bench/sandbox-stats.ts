import { StateNames } from '../lib/state-names';
import type { GehenSandbox } from '../sandbox/gehen-sandbox';

export interface SandboxStatsBody {
  calls: Record<string, number>;
  /** Calls answered ThrottlingException, by operation (counted in `calls` too). */
  throttled: Record<string, number>;
  executions: Record<string, { events: number }>;
}

/** `GET /_sandbox/stats`: API calls by operation and history events by execution. */
export async function readStats(endpoint: string): Promise<SandboxStatsBody> {
  const response = await fetch(`${endpoint}/_sandbox/stats`);
  if (!response.ok) throw new Error(`GET /_sandbox/stats answered ${response.status}`);
  return (await response.json()) as SandboxStatsBody;
}

export async function resetStats(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/_sandbox/reset-stats`, { method: 'POST' });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`POST /_sandbox/reset-stats answered ${response.status}`);
}

export interface PollPhaseSnapshot {
  /** The call counts when the first verify Wait began (null if it never did). */
  result(): Promise<Record<string, number> | null>;
  stop(): void;
}

/**
 * Snapshots the call counts once the running execution enters its first 'Wait Before Probing':
 * every ECS call after it is a poll round's (Prepare and the deploy Map have finished, and
 * nothing calls ECS during a Wait). Watches the history in-process, so it adds no counted calls.
 */
export function snapshotAtFirstPoll(sandbox: GehenSandbox): PollPhaseSnapshot {
  let stopped = false;
  const done = (async (): Promise<Record<string, number> | null> => {
    const { stateMachineArn, region } = sandbox;
    while (!stopped) {
      const list = (await sandbox.stepFunctions.handle(
        'ListExecutions',
        { stateMachineArn, statusFilter: 'RUNNING' },
        region,
      )) as { executions?: Array<{ executionArn: string }> };
      const executionArn = list.executions?.[0]?.executionArn;
      if (executionArn) {
        const history = (await sandbox.stepFunctions.handle(
          'GetExecutionHistory',
          { executionArn, reverseOrder: true, maxResults: 1 },
          region,
        )) as { events?: Array<{ type?: string; stateEnteredEventDetails?: { name?: string } }> };
        const last = history.events?.[0];
        if (last?.type === 'WaitStateEntered' && last.stateEnteredEventDetails?.name === StateNames.waitVerify) {
          return (await readStats(sandbox.endpoint)).calls;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return null;
  })();
  return {
    result: () => done,
    stop: () => {
      stopped = true;
    },
  };
}
