/**
 * A git commit SHA as gehen deploys it: 7 to 40 hex characters, used as the image tag. Its own
 * module so the poll-round bundles can test a tag without pulling in the gehen.yml schema.
 */
export const GITSHA = /^[0-9a-f]{7,40}$/i;

export function isGitSha(value: string): boolean {
  return GITSHA.test(value);
}
