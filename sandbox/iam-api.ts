import { fieldMatches } from './api-faults';
import { SandboxAwsError } from './aws-error';
import type { Fleet } from './fleet';
import { hexId } from './ids';
import type { ExtraRoute } from './server';

/**
 * The smallest IAM the sandbox needs: SimulatePrincipalPolicy on IAM's query protocol (form body
 * `Action=SimulatePrincipalPolicy&Version=2010-05-08`, XML answer), deciding `ecs:RunTask` from the
 * fleet's `roles[].allowRunTask` globs — enough for gehen to ask whether a scheduled task's role
 * may run new revisions. A role the fleet does not declare, or declares without `allowRunTask`,
 * is allowed everything. The SDK's IAM client reaches it through AWS_ENDPOINT_URL like every other.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html
 */

const NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';
const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const RUN_TASK = 'ecs:runtask';

type Role = Fleet['roles'][number];
type Decision = 'allowed' | 'implicitDeny';

export function iamApiRoute(roles: readonly Role[]): ExtraRoute {
  return async ({ method, body, headers }) => {
    if (method !== 'POST' || !String(headers['content-type'] ?? '').includes('x-www-form-urlencoded')) {
      return undefined;
    }
    const params = new URLSearchParams(body);
    if (params.get('Action') !== 'SimulatePrincipalPolicy') return undefined;
    try {
      return xml(200, simulate(roles, params));
    } catch (error) {
      if (!(error instanceof SandboxAwsError)) throw error;
      return xml(error.status, errorXml(error));
    }
  };
}

function simulate(roles: readonly Role[], params: URLSearchParams): string {
  const source = params.get('PolicySourceArn') ?? '';
  if (!ROLE_ARN.test(source)) {
    throw new SandboxAwsError(
      'InvalidInput',
      `PolicySourceArn ${source} is not a role ARN the sandbox knows how to simulate.`,
    );
  }
  const actions = members(params, 'ActionNames');
  if (actions.length === 0) throw new SandboxAwsError('InvalidInput', 'ActionNames must hold at least one action.');
  // Without ResourceArns IAM simulates the resource "*".
  const resources = members(params, 'ResourceArns');
  const role = roles.find((r) => r.arn === source);
  const results = actions.flatMap((action) =>
    (resources.length > 0 ? resources : ['*']).map((resource) => {
      const decision = decide(role, action, resource);
      return (
        `<member><EvalActionName>${escapeXml(action)}</EvalActionName>` +
        `<EvalResourceName>${escapeXml(resource)}</EvalResourceName>` +
        `<EvalDecision>${decision}</EvalDecision><MatchedStatements/><MissingContextValues/></member>`
      );
    }),
  );
  return (
    `<SimulatePrincipalPolicyResponse xmlns="${NAMESPACE}"><SimulatePrincipalPolicyResult>` +
    `<IsTruncated>false</IsTruncated><EvaluationResults>${results.join('')}</EvaluationResults>` +
    `</SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>${hexId(16)}</RequestId></ResponseMetadata>` +
    '</SimulatePrincipalPolicyResponse>'
  );
}

/** ecs:RunTask on a resource the role's globs cover (as ARNs or `family:revision`); anything else is allowed. */
function decide(role: Role | undefined, action: string, resource: string): Decision {
  if (!role?.allowRunTask || action.toLowerCase() !== RUN_TASK) return 'allowed';
  return role.allowRunTask.some((glob) => fieldMatches(resource, glob)) ? 'allowed' : 'implicitDeny';
}

/** The query protocol's lists: `Name.member.1`, `Name.member.2`, … */
function members(params: URLSearchParams, name: string): string[] {
  const values: string[] = [];
  for (let index = 1; params.has(`${name}.member.${index}`); index += 1) {
    values.push(params.get(`${name}.member.${index}`) ?? '');
  }
  return values;
}

function xml(status: number, body: string) {
  return { status, body, headers: { 'Content-Type': 'text/xml', 'x-amzn-RequestId': hexId(16) } };
}

function errorXml(error: SandboxAwsError): string {
  return (
    `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>Sender</Type><Code>${escapeXml(error.type)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${hexId(16)}</RequestId></ErrorResponse>`
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
