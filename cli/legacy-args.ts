/**
 * The original gehen was a Go program: `gehen -gitsha SHA -path gehen.yml`, `gehen -version`,
 * no subcommands. Go's flag package takes long flags after one dash; commander does not, so the
 * original's flags are rewritten to two dashes, and a bare invocation with them means `deploy`.
 */
const LEGACY_FLAGS = new Set(['gitsha', 'path', 'version', 'help']);
const DEPLOY_FLAGS = ['--gitsha', '--path'];

export function rewriteLegacyArgs(args: readonly string[], commands: ReadonlySet<string>): string[] {
  const end = args.indexOf('--');
  const flags = end === -1 ? args : args.slice(0, end);
  const rewritten = flags.map((arg) => {
    const match = /^-([a-z]+)(=.*)?$/.exec(arg);
    return match?.[1] && LEGACY_FLAGS.has(match[1]) ? `-${arg}` : arg;
  });
  const first = rewritten[0];
  const isDeploy = rewritten.some((arg) => DEPLOY_FLAGS.some((flag) => arg === flag || arg.startsWith(`${flag}=`)));
  if (isDeploy && first !== undefined && !commands.has(first)) rewritten.unshift('deploy');
  return end === -1 ? rewritten : [...rewritten, ...args.slice(end)];
}
