/**
 * EventBridge event patterns and input transformers, the subset gehen's templates use and a little
 * more: exact values, arrays of values, nested objects, `prefix`, `suffix`, `anything-but` and
 * `exists`; InputPathsMap with dot paths and array indices, and InputTemplate substitution with
 * EventBridge's quoting rules.
 */

/** The event as EventBridge delivers it to rules and targets. */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether `event` matches `pattern` (an EventPattern, parsed). */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern)) return false;
  return Object.entries(pattern).every(([key, expected]) => {
    const present = isObject(event) && key in event;
    const actual = isObject(event) ? event[key] : undefined;
    if (isObject(expected)) return present && isObject(actual) && matchesPattern(expected, actual);
    if (!Array.isArray(expected)) return false; // leaf patterns are always arrays
    return expected.some((rule) => matchesLeaf(rule, present, actual));
  });
}

/** One entry of a leaf array against the event's value (any element of it, when it is an array). */
function matchesLeaf(rule: unknown, present: boolean, actual: unknown): boolean {
  if (isObject(rule) && 'exists' in rule) return rule.exists === present;
  if (!present) return false;
  const values = Array.isArray(actual) ? actual : [actual];
  if (!isObject(rule)) return values.some((value) => value === rule);
  return values.some((value) => {
    if ('prefix' in rule)
      return typeof value === 'string' && typeof rule.prefix === 'string' && value.startsWith(rule.prefix);
    if ('suffix' in rule)
      return typeof value === 'string' && typeof rule.suffix === 'string' && value.endsWith(rule.suffix);
    if ('anything-but' in rule) {
      const excluded = rule['anything-but'];
      return !(Array.isArray(excluded) ? excluded : [excluded]).includes(value);
    }
    throw new Error(`the sandbox's EventBridge does not match ${JSON.stringify(rule)} patterns`);
  });
}

/** `$.detail.image-tag`, `$.resources[0]`: EventBridge's JSON path subset. Undefined when absent. */
export function readPath(event: unknown, path: string): unknown {
  if (path === '$') return event;
  if (!path.startsWith('$.')) throw new Error(`unsupported InputPathsMap path ${path}`);
  let value: unknown = event;
  for (const part of path.slice(2).split('.')) {
    const match = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!match?.[1]) throw new Error(`unsupported InputPathsMap path ${path}`);
    value = isObject(value) ? value[match[1]] : undefined;
    for (const index of match[2]?.match(/\d+/g) ?? []) {
      value = Array.isArray(value) ? value[Number(index)] : undefined;
    }
    if (value === undefined) return undefined;
  }
  return value;
}

export interface InputTransformer {
  InputPathsMap?: Record<string, string>;
  InputTemplate: string;
}

export interface TransformContext {
  ruleArn: string;
  ruleName: string;
  ingestionTime: string;
}

/**
 * The target input an InputTransformer makes of an event. In a JSON template, a placeholder
 * outside quotes becomes the value as JSON (a string with its quotes; a missing path null), one
 * inside a string literal becomes its text, escaped for the string (a missing path: empty). A
 * template that is not a JSON object is text: placeholders become their text, unescaped.
 */
export function transformInput(transformer: InputTransformer, event: EventEnvelope, context: TransformContext): string {
  const values = new Map<string, unknown>([
    ['aws.events.rule-arn', context.ruleArn],
    ['aws.events.rule-name', context.ruleName],
    ['aws.events.event.ingestion-time', context.ingestionTime],
    ['aws.events.event', withoutDetail(event)],
    ['aws.events.event.json', event],
  ]);
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {})) values.set(name, readPath(event, path));
  const template = transformer.InputTemplate;
  const json = template.trim().startsWith('{');
  let inString = false;
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const char = template[i] as string;
    if (json && char === '"' && !escaped(template, i)) inString = !inString;
    if (char === '<') {
      const end = template.indexOf('>', i);
      const name = end === -1 ? '' : template.slice(i + 1, end);
      if (values.has(name)) {
        const value = values.get(name);
        out += json && !inString ? (value === undefined ? 'null' : JSON.stringify(value)) : text(value, json);
        i = end;
        continue;
      }
    }
    out += char;
  }
  return out;
}

function escaped(template: string, at: number): boolean {
  let backslashes = 0;
  for (let i = at - 1; i >= 0 && template[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}

/** A value as text: strings as they are, the rest as JSON; escaped when it lands in a JSON string. */
function text(value: unknown, inJson: boolean): string {
  if (value === undefined) return '';
  const raw = typeof value === 'string' ? value : JSON.stringify(value);
  return inJson ? JSON.stringify(raw).slice(1, -1) : raw;
}

function withoutDetail(event: EventEnvelope): Omit<EventEnvelope, 'detail'> {
  const { detail: _detail, ...rest } = event;
  return rest;
}
