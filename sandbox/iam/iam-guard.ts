import { SandboxAwsError } from '../aws-error';
import type { Fleet } from '../fleet';
import type { ApiCall, ApiGuard } from '../server';
import type { TemplateLike } from '../stepfunctions/template-workflow';
import { assumedRoleOf } from '../sts';
import { authorizationsFor } from './authorizations';
import { type AuthorizationRequest, checkStatements, evaluate, type PolicyStatement } from './policy';
import { lambdaPrincipals } from './template-roles';

export interface IamGuardOptions {
  template: TemplateLike;
  stackName: string;
  /** The fleet's region: the stack's. */
  region: string;
  stateMachineArn: string;
  fleet: Pick<Fleet, 'roles' | 'services'>;
}

/** A caller whose calls are evaluated: who it is (for the message) and its policy. */
interface Principal {
  arn: string;
  statements: readonly PolicyStatement[];
}

/**
 * Evaluates every call a Lambda step makes against the policies the template gives its role, as
 * IAM does: a Lambda function's key maps to its role; a key from AssumeRole to the assumed role,
 * checked against `fleet.roles[].policy` when the fleet declares one (else allowed). Any other
 * key (the CLI, tests) is not checked. A denied call answers AccessDeniedException with AWS's
 * message (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
 */
export function iamGuard(options: IamGuardOptions): ApiGuard {
  const functions = lambdaPrincipals(options);
  const rolePolicies = new Map<string, PolicyStatement[]>();
  for (const role of options.fleet.roles) {
    if (!role.policy) continue;
    const statements = role.policy as PolicyStatement[];
    checkStatements(statements, `fleet role ${role.arn}`);
    rolePolicies.set(role.arn, statements);
  }
  const shortArns = new Set(options.fleet.services.filter((s) => s.shortArn).map((s) => `${s.cluster}/${s.name}`));
  const scope = { shortArn: (cluster: string, service: string) => shortArns.has(`${cluster}/${service}`) };

  const principalOf = (accessKeyId: string): Principal | undefined => {
    const lambda = functions.get(accessKeyId);
    if (lambda) {
      const statements = lambda.statements ?? rolePolicies.get(lambda.roleArn);
      return statements && { arn: lambda.principalArn, statements };
    }
    const assumed = assumedRoleOf(accessKeyId);
    const statements = assumed && rolePolicies.get(assumed.roleArn);
    return assumed && statements && { arn: assumed.arn, statements };
  };

  return (call: ApiCall) => {
    if (call.accessKeyId === undefined) return;
    const principal = principalOf(call.accessKeyId);
    if (!principal) return;
    for (const request of authorizationsFor(call, scope)) {
      const decision = evaluate(principal.statements, request);
      if (decision !== 'allowed') throw accessDenied(call, principal.arn, request, decision);
    }
  };
}

function accessDenied(
  call: ApiCall,
  principal: string,
  request: AuthorizationRequest,
  decision: 'explicit-deny' | 'implicit-deny',
): SandboxAwsError {
  const reason =
    decision === 'explicit-deny'
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${request.action} action`;
  const message = `User: ${principal} is not authorized to perform: ${request.action} on resource: ${request.resource} ${reason}`;
  // STS speaks the query protocol: its code is AccessDenied, with HTTP 403.
  return call.service === 'sts'
    ? new SandboxAwsError('AccessDenied', message, 403)
    : new SandboxAwsError('AccessDeniedException', message, 400);
}
