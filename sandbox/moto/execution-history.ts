import { paginate } from '../stepfunctions/wire';

interface HistoryRequest {
  executionArn?: string;
  reverseOrder?: boolean;
  maxResults?: number;
  nextToken?: string;
  includeExecutionData?: boolean;
}

type Event = Record<string, unknown>;

/**
 * GetExecutionHistory as AWS documents it, over moto's: moto 5.2.1 answers the whole history,
 * oldest first, whatever the request says. AWS pages it (`maxResults`, default 100, and
 * `nextToken`), lists newest first with `reverseOrder`, and leaves out inputs and outputs with
 * `includeExecutionData: false`
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html).
 * The events themselves are moto's, as its interpreter wrote them.
 */
export async function executionHistory(
  input: unknown,
  fetchAll: (executionArn: string | undefined) => Promise<{ events?: Event[] }>,
): Promise<{ events: Event[]; nextToken?: string }> {
  const request = (input ?? {}) as HistoryRequest;
  let events = [...((await fetchAll(request.executionArn)).events ?? [])];
  if (request.reverseOrder) events.reverse();
  if (request.includeExecutionData === false) events = events.map(withoutExecutionData);
  const scope = `GetExecutionHistory:${request.executionArn}:${request.reverseOrder ?? false}`;
  const page = paginate(events, scope, request.maxResults, request.nextToken);
  return page.nextToken === undefined ? { events: page.items } : { events: page.items, nextToken: page.nextToken };
}

function withoutExecutionData(event: Event): Event {
  return Object.fromEntries(
    Object.entries(event).map(([key, value]) => {
      if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) return [key, value];
      const { input: _input, output: _output, parameters: _parameters, ...rest } = value as Event;
      return [key, rest];
    }),
  );
}
