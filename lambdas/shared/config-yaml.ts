import { parseDocument } from 'yaml';
import { type LoadedConfig, parseGehenConfig } from './config';
import { ConfigError } from './config-error';

// Apart from config.ts so the Lambda bundles, which receive JSON, do not carry a YAML parser.

/** Parses gehen.yml text. YAML syntax errors and schema problems both become a ConfigError naming `source`. */
export function parseGehenYaml(text: string, source: string): LoadedConfig {
  if (text.trim() === '') {
    throw new ConfigError(source, ['the file is empty: name at least one service or scheduled task']);
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      source,
      document.errors.map(
        (error) => `YAML ${error.linePos?.[0] ? `line ${error.linePos[0].line}` : ''}: ${error.message.split('\n')[0]}`,
      ),
    );
  }
  return parseGehenConfig(document.toJS(), source);
}
