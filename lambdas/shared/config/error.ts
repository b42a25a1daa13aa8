/** All problems of a config at once, each naming its path ("services.api.url: …"). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source} is not a valid gehen config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A schema issue's path as a problem names it: "services.api.url", or "(top level)". */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(top level)';
}
