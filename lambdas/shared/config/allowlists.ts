/**
 * What a stack lets its deployments touch (`gehen:allowedClusters`, `gehen:allowedRepositories`,
 * `gehen:allowedRoleArns`), enforced by Prepare before any change. null: no limit. Patterns are
 * globs: `*` any run of characters, `?` one, as IAM's ARN matching reads them.
 */
export interface Allowlists {
  clusters: readonly string[] | null;
  repositories: readonly string[] | null;
  roleArns: readonly string[] | null;
}

export const NO_ALLOWLISTS: Allowlists = { clusters: null, repositories: null, roleArns: null };

/** The environment variables the stack sets on Prepare, comma-separated. */
export const ALLOWLIST_ENV = {
  clusters: 'GEHEN_ALLOWED_CLUSTERS',
  repositories: 'GEHEN_ALLOWED_REPOSITORIES',
  roleArns: 'GEHEN_ALLOWED_ROLE_ARNS',
} as const;

export function allowlistsFromEnv(env: Record<string, string | undefined>): Allowlists {
  const list = (name: string) => {
    const value = env[name];
    if (value === undefined || value.trim() === '') return null;
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  };
  return {
    clusters: list(ALLOWLIST_ENV.clusters),
    repositories: list(ALLOWLIST_ENV.repositories),
    roleArns: list(ALLOWLIST_ENV.roleArns),
  };
}

/** Whether `value` matches the glob `pattern` (whole string, case-sensitive). */
export function globMatches(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

/**
 * A cluster (name or ARN) against the allowlist: a pattern that is an ARN matches the cluster's
 * ARN, any other pattern its name.
 */
export function clusterAllowed(patterns: readonly string[], cluster: string): boolean {
  const name = cluster.slice(cluster.lastIndexOf('/') + 1);
  return patterns.some((pattern) =>
    pattern.startsWith('arn:')
      ? cluster.startsWith('arn:') && globMatches(pattern, cluster)
      : globMatches(pattern, name),
  );
}

/**
 * An image's repository (`host/path`, as parseImageRef names it) against the allowlist: a pattern
 * with the registry host (it has a '.' before its first '/') matches the whole name, any other
 * pattern the repository path alone.
 */
export function repositoryAllowed(patterns: readonly string[], repository: string): boolean {
  const slash = repository.indexOf('/');
  const hasHost = slash > 0 && /[.:]/.test(repository.slice(0, slash));
  const path = hasHost ? repository.slice(slash + 1) : repository;
  return patterns.some((pattern) => {
    const first = pattern.indexOf('/');
    const patternHasHost = first > 0 && /[.:]/.test(pattern.slice(0, first));
    return globMatches(pattern, patternHasHost ? repository : path);
  });
}

/** "(staging-*, qa)": the allowlist as a message shows it. */
export function shown(patterns: readonly string[]): string {
  return `(${patterns.join(', ')})`;
}
