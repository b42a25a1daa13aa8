import { SandboxAwsError } from './aws-error';

/** One DynamoDB attribute value in its wire form: `{"S": "…"}`, `{"N": "12"}`, `{"L": […]}`, … */
export type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;

export interface ExpressionContext {
  names?: Record<string, string>;
  values?: Record<string, AttributeValue>;
}

/**
 * DynamoDB condition expressions, as much of the grammar as gehen's lock and its tests use:
 * comparisons (= <> < <= > >=), attribute_exists, attribute_not_exists, begins_with, AND, OR,
 * NOT and parentheses, with `#name` and `:value` placeholders. Precedence as AWS documents it
 * (comparisons, then NOT, then AND, then OR):
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
 * Anything else is answered ValidationException, as AWS answers a syntax error, so a product
 * that relies on more is told so instead of passing by accident.
 */
export function evaluateCondition(expression: string, item: Item | undefined, context: ExpressionContext): boolean {
  const parser = new Parser(tokenize(expression), item ?? {}, context);
  const result = parser.or();
  parser.expectEnd();
  parser.checkAllUsed();
  return result;
}

type Token = { kind: 'word' | 'name' | 'value' | 'op' | 'paren' | 'comma'; text: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(<>|<=|>=|=|<|>)|([()])|(,)|(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_.]*))/y;
  let index = 0;
  while (index < expression.length) {
    if (/^\s*$/.test(expression.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(expression);
    if (!match) throw invalid(`Invalid ConditionExpression: Syntax error; token: "${expression.slice(index)}"`);
    index = pattern.lastIndex;
    const [, op, paren, comma, name, value, word] = match;
    if (op) tokens.push({ kind: 'op', text: op });
    else if (paren) tokens.push({ kind: 'paren', text: paren });
    else if (comma) tokens.push({ kind: 'comma', text: comma });
    else if (name) tokens.push({ kind: 'name', text: name });
    else if (value) tokens.push({ kind: 'value', text: value });
    else if (word) tokens.push({ kind: 'word', text: word });
  }
  return tokens;
}

type Operand = { kind: 'path'; path: string } | { kind: 'value'; value: AttributeValue };

class Parser {
  private position = 0;
  private readonly usedNames = new Set<string>();
  private readonly usedValues = new Set<string>();

  constructor(
    private readonly tokens: Token[],
    private readonly item: Item,
    private readonly context: ExpressionContext,
  ) {}

  or(): boolean {
    let result = this.and();
    while (this.keyword('OR')) result = this.and() || result;
    return result;
  }

  expectEnd(): void {
    const token = this.tokens[this.position];
    if (token) throw invalid(`Invalid ConditionExpression: Syntax error; token: "${token.text}"`);
  }

  /** AWS refuses placeholders the expression does not use. */
  checkAllUsed(): void {
    const unusedNames = Object.keys(this.context.names ?? {}).filter((name) => !this.usedNames.has(name));
    const unusedValues = Object.keys(this.context.values ?? {}).filter((value) => !this.usedValues.has(value));
    if (unusedNames.length > 0) {
      throw invalid(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames}}`);
    }
    if (unusedValues.length > 0) {
      throw invalid(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues}}`);
    }
  }

  private and(): boolean {
    let result = this.not();
    while (this.keyword('AND')) result = this.not() && result;
    return result;
  }

  private not(): boolean {
    if (this.keyword('NOT')) return !this.not();
    return this.comparison();
  }

  private comparison(): boolean {
    const token = this.tokens[this.position];
    if (token?.kind === 'paren' && token.text === '(') {
      this.position++;
      const result = this.or();
      this.expect(')');
      return result;
    }
    if (token?.kind === 'word' && this.tokens[this.position + 1]?.text === '(') return this.function(token.text);
    const left = this.operand();
    const op = this.tokens[this.position];
    if (op?.kind !== 'op') throw invalid(`Invalid ConditionExpression: Syntax error; token: "${op?.text ?? '<EOF>'}"`);
    this.position++;
    return compare(this.resolve(left), op.text, this.resolve(this.operand()));
  }

  private function(name: string): boolean {
    this.position += 2;
    const first = this.operand();
    const args = [first];
    while (this.tokens[this.position]?.kind === 'comma') {
      this.position++;
      args.push(this.operand());
    }
    this.expect(')');
    const path = first.kind === 'path' ? first.path : undefined;
    switch (name) {
      case 'attribute_exists':
      case 'attribute_not_exists': {
        if (path === undefined || args.length !== 1) throw invalid(`Invalid ConditionExpression: ${name} takes a path`);
        const exists = this.item[path] !== undefined;
        return name === 'attribute_exists' ? exists : !exists;
      }
      case 'begins_with': {
        const [, prefix] = args;
        if (!prefix || args.length !== 2) throw invalid('Invalid ConditionExpression: begins_with takes two operands');
        const value = this.resolve(first);
        const start = this.resolve(prefix);
        return typeof value?.S === 'string' && typeof start?.S === 'string' && value.S.startsWith(start.S);
      }
      default:
        throw invalid(`Invalid ConditionExpression: the sandbox does not model the function ${name}`);
    }
  }

  private operand(): Operand {
    const token = this.tokens[this.position++];
    if (token?.kind === 'word') return { kind: 'path', path: token.text };
    if (token?.kind === 'name') {
      const path = this.context.names?.[token.text];
      if (path === undefined) {
        throw invalid(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${token.text}}`);
      }
      this.usedNames.add(token.text);
      return { kind: 'path', path };
    }
    if (token?.kind === 'value') {
      const value = this.context.values?.[token.text];
      if (value === undefined) {
        throw invalid(
          `Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: ${token.text}`,
        );
      }
      this.usedValues.add(token.text);
      return { kind: 'value', value };
    }
    throw invalid(`Invalid ConditionExpression: Syntax error; token: "${token?.text ?? '<EOF>'}"`);
  }

  private resolve(operand: Operand): AttributeValue | undefined {
    return operand.kind === 'value' ? operand.value : this.item[operand.path];
  }

  private keyword(word: string): boolean {
    const token = this.tokens[this.position];
    if (token?.kind === 'word' && token.text.toUpperCase() === word) {
      this.position++;
      return true;
    }
    return false;
  }

  private expect(text: string): void {
    const token = this.tokens[this.position++];
    if (token?.text !== text) {
      throw invalid(`Invalid ConditionExpression: Syntax error; token: "${token?.text ?? '<EOF>'}"`);
    }
  }
}

/**
 * A comparison with a missing attribute, or between different types, is false (not an error):
 * that is what lets `attribute_not_exists(pk) OR expiresAt < :now` take over an expired item.
 */
function compare(left: AttributeValue | undefined, op: string, right: AttributeValue | undefined): boolean {
  if (!left || !right) return false;
  const [leftType] = Object.keys(left);
  const [rightType] = Object.keys(right);
  if (leftType !== rightType || leftType === undefined) return false;
  const a = left[leftType];
  const b = right[leftType];
  if (op === '=' || op === '<>') {
    const equal = JSON.stringify(a) === JSON.stringify(b);
    return op === '=' ? equal : !equal;
  }
  let order: number;
  if (leftType === 'N') order = Number(a) - Number(b);
  else if (leftType === 'S') order = String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  else throw invalid(`Invalid ConditionExpression: Incorrect operand type for operator or function; operator: ${op}`);
  if (op === '<') return order < 0;
  if (op === '<=') return order <= 0;
  if (op === '>') return order > 0;
  return order >= 0;
}

function invalid(message: string): SandboxAwsError {
  return new SandboxAwsError(`${DYNAMODB_ERROR_PREFIX}ValidationException`, message);
}

/** DynamoDB's JSON 1.0 error types carry their namespace, as AWS sends them. */
export const DYNAMODB_ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#';
