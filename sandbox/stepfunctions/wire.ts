import { SandboxAwsError } from '../aws-error';

/**
 * Step Functions' JSON protocol sends timestamps as epoch seconds (with millisecond fractions):
 * replaces every Date of an SDK-typed response with that number.
 */
export function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) if (field !== undefined) out[key] = toWire(field);
    return out;
  }
  return value;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/** A page of `items` from a nextToken; tokens belong to one listing (`scope`), like AWS's. */
export function paginate<T>(items: readonly T[], scope: string, maxResults?: number, nextToken?: string): Page<T> {
  if (maxResults !== undefined && (maxResults < 0 || maxResults > 1000)) {
    throw new SandboxAwsError('ValidationException', `maxResults must be between 0 and 1000, got ${maxResults}`);
  }
  const size = maxResults || 100;
  const start = nextToken === undefined ? 0 : decodeToken(nextToken, scope);
  const end = start + size;
  const page: Page<T> = { items: items.slice(start, end) };
  if (end < items.length) page.nextToken = Buffer.from(JSON.stringify({ scope, offset: end })).toString('base64');
  return page;
}

function decodeToken(token: string, scope: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { scope?: unknown; offset?: unknown };
    if (parsed.scope === scope && typeof parsed.offset === 'number') return parsed.offset;
  } catch {
    // not ours: answered below as AWS answers a foreign token
  }
  throw new SandboxAwsError('InvalidToken', `Invalid Token: '${token}'`);
}
