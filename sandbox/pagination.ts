import { SandboxAwsError } from './aws-error';

/** One page of `items` and the token for the next, as AWS list calls paginate. */
export function paginate<T>(
  items: readonly T[],
  options: { limit: number | undefined; nextToken: string | undefined; max: number; errorType: string },
): { page: T[]; nextToken: string | undefined } {
  const limit = options.limit ?? options.max;
  if (!Number.isInteger(limit) || limit < 1 || limit > options.max) {
    throw new SandboxAwsError(options.errorType, `maxResults must be between 1 and ${options.max}.`);
  }
  let start = 0;
  if (options.nextToken !== undefined) {
    const match = /^offset:(\d+)$/.exec(Buffer.from(options.nextToken, 'base64').toString('utf8'));
    if (!match?.[1]) throw new SandboxAwsError(options.errorType, 'Invalid nextToken.');
    start = Number(match[1]);
  }
  const page = items.slice(start, start + limit);
  const end = start + page.length;
  return {
    page,
    nextToken: end < items.length ? Buffer.from(`offset:${end}`).toString('base64') : undefined,
  };
}
