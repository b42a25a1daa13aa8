import { isMap, isScalar, parseDocument, visit } from 'yaml';
import { configBytesProblem } from './bounds';
import { ConfigError } from './error';
import { type LoadedConfig, parseGehenConfig } from './schema';

// Apart from schema.ts so the Lambda bundles, which receive JSON, do not carry a YAML parser.

/**
 * The most aliases a gehen.yml may expand (`*name`): a YAML "billion laughs" (aliases of aliases
 * of lists) would otherwise expand to gigabytes. gehen.yml needs none; a few are harmless.
 */
const MAX_ALIAS_COUNT = 100;

/** Parses gehen.yml text. YAML syntax errors and schema problems both become a ConfigError naming `source`. */
export function parseGehenYaml(text: string, source: string): LoadedConfig {
  // Before parsing, which is what a huge file would cost.
  const tooLarge = configBytesProblem(Buffer.byteLength(text));
  if (tooLarge !== null) throw new ConfigError(source, [tooLarge]);
  if (text.trim() === '') {
    throw new ConfigError(source, ['the file is empty: name at least one service or scheduled task']);
  }
  // uniqueKeys off: the yaml library compares each key with every earlier one (quadratic in a
  // 3 MB file); duplicateKeys does the same check with a Set.
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: false });
  const problems = document.errors.map(
    (error) => `YAML ${error.linePos?.[0] ? `line ${error.linePos[0].line}` : ''}: ${error.message.split('\n')[0]}`,
  );
  if (problems.length === 0) problems.push(...duplicateKeys(document, text));
  if (problems.length > 0) throw new ConfigError(source, problems);
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // yaml throws a ReferenceError for an alias bomb: a problem of the file like any other.
    throw new ConfigError(source, [`YAML: ${(error as Error).message}`]);
  }
  return parseGehenConfig(value, source);
}

const MAX_DUPLICATES_TOLD = 20;

/** Every key a mapping repeats, as the yaml library words it, in one pass over the document. */
function duplicateKeys(document: ReturnType<typeof parseDocument>, text: string): string[] {
  const problems: string[] = [];
  visit(document, {
    Map(_, map) {
      if (!isMap(map)) return;
      const seen = new Set<string>();
      for (const { key } of map.items) {
        // Scalars by value, as the library compares them (`api` and `'api'` are one key).
        const name = isScalar(key) ? String(key.value) : String(key);
        if (!seen.has(name)) {
          seen.add(name);
          continue;
        }
        if (problems.length === MAX_DUPLICATES_TOLD) return visit.BREAK;
        const line = isScalar(key) && key.range ? lineOf(text, key.range[0]) : undefined;
        problems.push(`YAML ${line ? `line ${line}` : ''}: Map keys must be unique (${name.slice(0, 80)})`);
      }
    },
  });
  return problems;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}
