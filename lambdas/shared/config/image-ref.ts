/**
 * Container image references as ECS task definitions hold them:
 *
 *   repo                          untagged (Docker reads it as :latest)
 *   repo:tag
 *   host:5000/ns/repo:tag         a registry port is not a tag
 *   repo@sha256:…                 pinned by digest
 *   repo:tag@sha256:…             tag kept for humans, digest decides
 *
 * The original split the whole reference on every ':' and took the last piece as the tag, which
 * turned `host:5000/repo` into tag `5000/repo` and a digest into tag `<hex>`.
 */
export interface ImageRef {
  /** Everything before the tag: registry host (and port), namespace and repository. */
  name: string;
  tag: string | null;
  /** `algorithm:hex`, without the '@'. */
  digest: string | null;
}

/** Splits an image reference. Never throws: whatever is not a tag or digest stays in `name`. */
export function parseImageRef(image: string): ImageRef {
  // '@' cannot appear in a name or tag, so the first one starts the digest.
  const at = image.indexOf('@');
  const rest = at === -1 ? image : image.slice(0, at);
  const digest = at === -1 ? null : image.slice(at + 1);
  // A tag is a ':' after the last '/': a ':' before it belongs to the registry host's port.
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  }
  return { name: rest, tag: null, digest };
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.name}${ref.tag === null ? '' : `:${ref.tag}`}${ref.digest === null ? '' : `@${ref.digest}`}`;
}

/** The image's tag, or null when it has none (untagged or digest only). */
export function imageTag(image: string): string | null {
  return parseImageRef(image).tag;
}

/**
 * The same image with a new tag. A digest is dropped: when both are present the runtime pulls by
 * digest and ignores the tag, so keeping the old digest would silently run the old image under a
 * new tag — the very version this deployment is meant to replace.
 */
export function retagImage(image: string, tag: string): string {
  return formatImageRef({ name: parseImageRef(image).name, tag, digest: null });
}
