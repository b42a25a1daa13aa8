/**
 * The tag an image reference carries, as the task server reports it.
 * - `repo:tag`, `host:5000/ns/repo:tag`, `repo:tag@sha256:…` → `tag` (a ':' before the last '/'
 *   is a registry port, not a tag; a digest after a tag does not hide the tag);
 * - `repo@sha256:<hex>` (digest only) → the first 12 hex digits of the digest, the way
 *   `docker images` shortens ids;
 * - `repo` (untagged) → `latest`, as Docker pulls it.
 */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const name = at === -1 ? image : image.slice(0, at);
  const digest = at === -1 ? undefined : image.slice(at + 1);
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  if (colon !== -1) return name.slice(colon + 1);
  if (digest !== undefined) return (digest.split(':').pop() ?? digest).slice(0, 12);
  return 'latest';
}
