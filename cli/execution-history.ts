import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { CliError } from './exit-codes';

/** The one reader of an execution's history: for a watch's polls, `gehen status` and the benchmarks. */

const FIRST_PAGE = 1000;
const NEWEST_PAGE = 100;

/** The whole history, oldest first (for an execution that has ended, or the first poll). */
export async function readHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  try {
    return await readNewEvents(sfn, executionArn, 0);
  } catch (error) {
    throw historyError(executionArn, error);
  }
}

/**
 * Events newer than `afterId`, oldest first. The first read pages forward through everything;
 * later reads page backwards from the newest event and stop at the first one already seen,
 * so a poll costs one call however long the history is.
 */
export async function readNewEvents(sfn: SFNClient, executionArn: string, afterId: number): Promise<HistoryEvent[]> {
  const reverseOrder = afterId > 0;
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder,
        maxResults: reverseOrder ? NEWEST_PAGE : FIRST_PAGE,
        includeExecutionData: true,
        nextToken,
      }),
    );
    for (const event of page.events ?? []) {
      if ((event.id ?? 0) <= afterId) return events.reverse();
      events.push(event);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return reverseOrder ? events.reverse() : events;
}

export function historyError(executionArn: string, error: unknown): CliError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new CliError(`failed to read the history of ${executionArn}: ${detail}`, 1, { cause: error });
}
