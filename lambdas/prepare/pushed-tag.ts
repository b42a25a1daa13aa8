import { MAX_IMAGE_TAG_LENGTH } from '../shared/config/bounds';
import { GITSHA } from '../shared/config/gitsha';

/**
 * A push-started execution's image tag that the trigger's tagPattern (or the SHA format) rejects:
 * EventBridge patterns cannot test a regular expression, so every push starts an execution and
 * this ends it as Nothing To Deploy. Null for every other execution.
 */
export function unmatchedTag(execution: unknown): string | null {
  const { source, gitsha, tagPattern } = (execution ?? {}) as Record<string, unknown>;
  if (source !== 'ecr' || typeof gitsha !== 'string') return null;
  // The pattern's match time is bounded by the tag's length: ECR's tags are at most 128 characters.
  if (gitsha.length > MAX_IMAGE_TAG_LENGTH) {
    return `image tag ${gitsha.slice(0, 40)}… is longer than ${MAX_IMAGE_TAG_LENGTH} characters`;
  }
  const pattern = typeof tagPattern === 'string' ? tagPattern : GITSHA.source;
  let matches: boolean;
  try {
    matches = new RegExp(pattern).test(gitsha);
  } catch {
    return null; // parse() reports the invalid pattern
  }
  if (!matches) return `image tag ${gitsha} does not match the trigger's tagPattern ${pattern}`;
  if (!GITSHA.test(gitsha)) return `image tag ${gitsha} is not a git SHA (7 to 40 hexadecimal characters)`;
  return null;
}
