import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { checkTargetRoles, familyWildcard, targetKey } from '../../../lambdas/check-target-roles/target-roles';
import { TransientAwsError } from '../../../lambdas/shared/contracts/errors';
import type { PlannedRule } from '../../../lambdas/shared/contracts/state';

const iam = mockClient(IAMClient);
const ROLE = 'arn:aws:iam::123456789012:role/nightly-report-events';
const CLUSTER = 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod';
const REVISION = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/report:4';
const FAMILY = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/report:*';
const GITSHA = '1a2b3c4d5e6f';

function rule(previousSha: string | null = 'ffeeddc0ffee'): PlannedRule {
  return {
    rule: 'nightly-report',
    region: 'eu-west-1',
    eventBusName: 'default',
    containers: null,
    targets: [{ id: 'report', previousTaskDefinition: REVISION, previousSha }],
  };
}
const roles = new Map([[targetKey('nightly-report', 'report'), { roleArn: ROLE, cluster: CLUSTER }]]);

async function check(rules: PlannedRule[]): Promise<readonly string[]> {
  return checkTargetRoles(new IAMClient({ region: 'eu-west-1' }), rules, roles, GITSHA);
}

beforeEach(() => iam.reset());

describe('familyWildcard', () => {
  test.each([
    [REVISION, FAMILY],
    ['arn:aws:ecs:eu-west-1:123456789012:task-definition/report', FAMILY],
  ])('%s → %s', (arn, wildcard) => {
    expect(familyWildcard(arn)).toBe(wildcard);
  });
});

describe('checkTargetRoles', () => {
  test.each([
    ['allowed', []],
    [
      'implicitDeny',
      [
        `scheduledTasks.nightly-report.targets.report: role ${ROLE} may not run ecs:RunTask on the new revision ` +
          `(implicitDeny for ${FAMILY}), so the schedule would stop running it: allow ecs:RunTask on ${FAMILY} in role ${ROLE}`,
      ],
    ],
    ['explicitDeny', [expect.stringContaining(`(explicitDeny for ${FAMILY})`)]],
  ])('IAM says %s → %p', async (decision, problems) => {
    iam.on(SimulatePrincipalPolicyCommand).resolves({
      EvaluationResults: [{ EvalActionName: 'ecs:RunTask', EvalResourceName: FAMILY, EvalDecision: decision as never }],
    });

    await expect(check([rule()])).resolves.toEqual(problems);
    // The cluster condition CDK's EcsTask policies carry must be satisfiable in the simulation.
    expect(iam).toHaveReceivedCommandWith(SimulatePrincipalPolicyCommand, {
      PolicySourceArn: ROLE,
      ActionNames: ['ecs:RunTask'],
      ResourceArns: [FAMILY],
      ContextEntries: [{ ContextKeyName: 'ecs:cluster', ContextKeyType: 'string', ContextKeyValues: [CLUSTER] }],
    });
  });

  it('leaves a target already on the SHA alone: gehen does not retarget it', async () => {
    await expect(check([rule(GITSHA)])).resolves.toEqual([]);
    expect(iam).toHaveReceivedCommandTimes(SimulatePrincipalPolicyCommand, 0);
  });

  it('asks once for targets that share a role, family and cluster', async () => {
    iam.on(SimulatePrincipalPolicyCommand).resolves({ EvaluationResults: [{ EvalDecision: 'allowed' }] as never });
    const twice = { ...rule(), rule: 'hourly-report' };
    roles.set(targetKey('hourly-report', 'report'), { roleArn: ROLE, cluster: CLUSTER });

    await check([rule(), twice]);

    expect(iam).toHaveReceivedCommandTimes(SimulatePrincipalPolicyCommand, 1);
  });

  it('names the missing permission when gehen may not simulate', async () => {
    iam
      .on(SimulatePrincipalPolicyCommand)
      .rejects(
        Object.assign(new Error('not authorized'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
      );

    const [problem] = await check([rule()]);

    expect(problem).toContain(`failed to check that role ${ROLE} may run ecs:RunTask on ${FAMILY}: AccessDenied`);
    expect(problem).toContain('gehen needs iam:SimulatePrincipalPolicy');
  });

  it('lets throttling through for the workflow to retry', async () => {
    iam
      .on(SimulatePrincipalPolicyCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));

    await expect(check([rule()])).rejects.toThrow(TransientAwsError);
  });
});
