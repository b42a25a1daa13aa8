/**
 * IAM's identity-based policy evaluation, for one principal's statements, as AWS documents it
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 * a request is allowed only by an explicit Allow, and an explicit Deny in any statement wins.
 * Resource policies, SCPs, permission boundaries and session policies are not modelled.
 */

/** A statement of a policy document, as written (strings or lists; `Sid` and `Principal` ignored). */
export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** What one authorization decides on: an action on a resource, with the request's condition keys. */
export interface AuthorizationRequest {
  /** `service:Action`, e.g. `ecs:UpdateService`. */
  action: string;
  /** The resource's ARN, or `*` for actions that name no resource type. */
  resource: string;
  /** Condition keys present in the request context (keys are case-insensitive, as in IAM). */
  context: Record<string, string | string[]>;
}

export type Decision = 'allowed' | 'explicit-deny' | 'implicit-deny';

export class UnsupportedPolicyError extends Error {
  override readonly name = 'UnsupportedPolicyError';
}

/** Explicit Deny wins over any Allow; without an Allow the request is implicitly denied. */
export function evaluate(statements: readonly PolicyStatement[], request: AuthorizationRequest): Decision {
  let allowed = false;
  for (const statement of statements) {
    if (!applies(statement, request)) continue;
    if (statement.Effect === 'Deny') return 'explicit-deny';
    allowed = true;
  }
  return allowed ? 'allowed' : 'implicit-deny';
}

/** Refuses condition operators the evaluator does not implement, so no policy is half-understood. */
export function checkStatements(statements: readonly PolicyStatement[], source: string): void {
  for (const statement of statements) {
    for (const operator of Object.keys(statement.Condition ?? {})) {
      if (!OPERATORS[baseOperator(operator).name]) {
        throw new UnsupportedPolicyError(`${source}: the sandbox does not evaluate the condition operator ${operator}`);
      }
    }
  }
}

function applies(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  // Action matching ignores case; resource matching does not (reference_policies_elements_action.html).
  const actionMatches = (pattern: string) => glob(pattern, request.action, true);
  if (statement.Action !== undefined) {
    if (!list(statement.Action).some(actionMatches)) return false;
  } else if (statement.NotAction !== undefined) {
    if (list(statement.NotAction).some(actionMatches)) return false;
  } else {
    return false; // neither: IAM refuses such a policy
  }
  if (statement.Resource !== undefined) {
    if (!list(statement.Resource).some((pattern) => arnMatches(pattern, request.resource))) return false;
  } else if (statement.NotResource !== undefined) {
    if (list(statement.NotResource).some((pattern) => arnMatches(pattern, request.resource))) return false;
  } else {
    return false; // an identity-based policy statement must name resources
  }
  return conditionsHold(statement.Condition ?? {}, request.context);
}

function list(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

/** `*` any run of characters, `?` one character; the rest literal. */
export function glob(pattern: string, value: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let compiled = compiledGlobs.get(key);
  if (!compiled) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    compiled = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
    compiledGlobs.set(key, compiled);
  }
  return compiled.test(value);
}

// Policies are few and fixed while a sandbox runs: each pattern is compiled once.
const compiledGlobs = new Map<string, RegExp>();

/**
 * ARN matching as ArnLike: "each of the six colon-delimited components of the ARN is checked
 * separately and each can include multi-character match wildcards (*) or single-character match
 * wildcards (?)" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN).
 * The resource component is everything after the fifth colon, so `service/*` spans slashes and
 * `execution:machine:*` its own colons, as in AWS.
 */
export function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const wanted = arnParts(pattern);
  const actual = arnParts(arn);
  // A pattern of fewer than six components is no ARN pattern: it matches no ARN.
  if (!wanted || !actual) return !pattern.startsWith('arn:') && !arn.startsWith('arn:') && glob(pattern, arn);
  return wanted.every((part, index) => glob(part, actual[index] ?? ''));
}

function arnParts(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

type Match = (policyValue: string, contextValue: string) => boolean;

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
const OPERATORS: Record<string, { match: Match; negated: boolean } | undefined> = {
  StringEquals: { match: (p, c) => p === c, negated: false },
  StringNotEquals: { match: (p, c) => p === c, negated: true },
  StringEqualsIgnoreCase: { match: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { match: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: true },
  StringLike: { match: (p, c) => glob(p, c), negated: false },
  StringNotLike: { match: (p, c) => glob(p, c), negated: true },
  ArnEquals: { match: arnMatches, negated: false },
  ArnLike: { match: arnMatches, negated: false },
  ArnNotEquals: { match: arnMatches, negated: true },
  ArnNotLike: { match: arnMatches, negated: true },
  Bool: { match: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: false },
  Null: { match: () => true, negated: false }, // decided in conditionHolds: it tests presence only
};

function baseOperator(operator: string): { name: string; set?: 'ForAnyValue' | 'ForAllValues'; ifExists: boolean } {
  const [first, second] = operator.split(':');
  const set = second !== undefined ? (first as 'ForAnyValue' | 'ForAllValues') : undefined;
  const name = second ?? first ?? '';
  const ifExists = name.endsWith('IfExists');
  return { name: ifExists ? name.slice(0, -'IfExists'.length) : name, set, ifExists };
}

/**
 * Operators AND, keys under one operator AND, a key's values OR — NOR for negated operators
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html).
 * A key missing from the request fails a condition, except negated operators (true), `…IfExists`
 * (true) and `Null`.
 */
function conditionsHold(
  condition: Record<string, Record<string, unknown>>,
  context: AuthorizationRequest['context'],
): boolean {
  const lowered = new Map(Object.entries(context).map(([key, value]) => [key.toLowerCase(), list(value)]));
  return Object.entries(condition).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) =>
      conditionHolds(operator, toStrings(expected), lowered.get(key.toLowerCase())),
    ),
  );
}

function conditionHolds(operator: string, expected: string[], present: string[] | undefined): boolean {
  const { name, set, ifExists } = baseOperator(operator);
  const spec = OPERATORS[name];
  if (!spec) throw new UnsupportedPolicyError(`the sandbox does not evaluate the condition operator ${operator}`);
  if (name === 'Null') return expected.some((value) => (value.toLowerCase() === 'true') === (present === undefined));
  if (present === undefined || present.length === 0) {
    if (set === 'ForAllValues') return true;
    return ifExists || spec.negated;
  }
  const one = (value: string) => {
    const matched = expected.some((wanted) => spec.match(wanted, value));
    return spec.negated ? !matched : matched;
  };
  return set === 'ForAllValues' ? present.every(one) : present.some(one);
}

function toStrings(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).map(String);
}
