import { SandboxAwsError } from './aws-error';
import { type AttributeValue, DYNAMODB_ERROR_PREFIX, type ExpressionContext, type Item } from './dynamodb-conditions';

/**
 * DynamoDB update expressions, as much as gehen uses: `SET path = operand, …`, `REMOVE path, …`,
 * `ADD path operand, …` (a number added, or set elements added) and `DELETE path operand, …`
 * (set elements removed; a set left empty is removed, as DynamoDB holds no empty set), with
 * `#name` and `:value` placeholders, applied in the order written to a copy of the item.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
 * Anything else (nested paths, `if_not_exists`, arithmetic) is answered ValidationException, so a
 * product that relies on more is told so.
 */
export function applyUpdate(
  expression: string,
  item: Item,
  context: ExpressionContext,
  used: { names: Set<string>; values: Set<string> },
): { item: Item; updated: Set<string> } {
  const result: Item = { ...item };
  const updated = new Set<string>();
  // A keyword stands alone: `#set` or `:add` are placeholders, not clauses.
  const keywords = [...expression.matchAll(/(?<![#:\w])(SET|REMOVE|ADD|DELETE)(?!\w)/gi)];
  if (keywords.length === 0 || expression.slice(0, keywords[0]?.index).trim() !== '') {
    throw invalid(`Invalid UpdateExpression: Syntax error; token: "${expression}"`);
  }
  const clauses = keywords.map((keyword, i) => [
    keyword[0],
    keyword[1],
    expression.slice((keyword.index ?? 0) + keyword[0].length, keywords[i + 1]?.index ?? expression.length),
  ]);
  const path = (token: string): string => {
    if (token.startsWith('#')) {
      const name = context.names?.[token];
      if (name === undefined)
        throw invalid(
          `An expression attribute name used in the document path is not defined; attribute name: ${token}`,
        );
      used.names.add(token);
      return name;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(token))
      throw invalid(`Invalid UpdateExpression: the sandbox does not model the path ${token}`);
    return token;
  };
  const value = (token: string): AttributeValue => {
    const found = token.startsWith(':') ? context.values?.[token] : undefined;
    if (found === undefined)
      throw invalid(
        `Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: ${token}`,
      );
    used.values.add(token);
    return found;
  };
  for (const [, keyword, body] of clauses) {
    const action = (keyword ?? '').toUpperCase();
    for (const part of (body ?? '').split(',').map((p) => p.trim())) {
      if (action === 'REMOVE') {
        const name = path(part);
        delete result[name];
        updated.add(name);
        continue;
      }
      const match = action === 'SET' ? /^(\S+)\s*=\s*(\S+)$/.exec(part) : /^(\S+)\s+(\S+)$/.exec(part);
      if (!match) throw invalid(`Invalid UpdateExpression: Syntax error; token: "${part}"`);
      const name = path(match[1] ?? '');
      const operand = value(match[2] ?? '');
      updated.add(name);
      if (action === 'SET') result[name] = operand;
      else if (action === 'ADD') result[name] = add(result[name], operand);
      else {
        const left = removeElements(result[name], operand);
        if (left) result[name] = left;
        else delete result[name];
      }
    }
  }
  return { item: result, updated };
}

const SET_TYPES = ['SS', 'NS', 'BS'] as const;

function setType(value: AttributeValue | undefined): (typeof SET_TYPES)[number] | undefined {
  return SET_TYPES.find((type) => value !== undefined && Array.isArray(value[type]));
}

function add(current: AttributeValue | undefined, operand: AttributeValue): AttributeValue {
  if (typeof operand.N === 'string') {
    if (current !== undefined && typeof current.N !== 'string') throw mismatch('ADD');
    return { N: String(Number(current?.N ?? 0) + Number(operand.N)) };
  }
  const type = setType(operand);
  if (!type) throw invalid('Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD');
  if (current !== undefined && setType(current) !== type) throw mismatch('ADD');
  return { [type]: [...new Set([...((current?.[type] as string[]) ?? []), ...(operand[type] as string[])])] };
}

/** The set without the operand's elements; undefined when none is left (or there was no set). */
function removeElements(current: AttributeValue | undefined, operand: AttributeValue): AttributeValue | undefined {
  const type = setType(operand);
  if (!type)
    throw invalid('Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE');
  if (current === undefined) return undefined;
  if (setType(current) !== type) throw mismatch('DELETE');
  const gone = new Set(operand[type] as string[]);
  const left = (current[type] as string[]).filter((element) => !gone.has(element));
  return left.length > 0 ? { [type]: left } : undefined;
}

function mismatch(operator: string): SandboxAwsError {
  return invalid(`An operand in the update expression has an incorrect data type (operator: ${operator})`);
}

function invalid(message: string): SandboxAwsError {
  return new SandboxAwsError(`${DYNAMODB_ERROR_PREFIX}ValidationException`, message);
}
