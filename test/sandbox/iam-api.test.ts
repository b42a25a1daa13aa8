import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { type Sandbox, startSandbox } from '../../sandbox';
import { fastFleet } from './helpers';

const REPORT_ROLE = 'arn:aws:iam::000000000000:role/report-events';
const TASK_DEFINITION = 'arn:aws:ecs:us-east-1:000000000000:task-definition';

describe('the sandbox IAM: SimulatePrincipalPolicy from the fleet’s roles', () => {
  let sandbox: Sandbox;
  let iam: IAMClient;
  let sts: STSClient;

  beforeAll(async () => {
    sandbox = await startSandbox({
      port: 0,
      fleet: fastFleet({ roles: [{ arn: REPORT_ROLE, allowRunTask: [`${TASK_DEFINITION}/report:1`, 'digest:*'] }] }),
    });
    const config = {
      endpoint: sandbox.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' },
      maxAttempts: 1,
    };
    iam = new IAMClient(config);
    sts = new STSClient(config);
  });
  afterAll(async () => {
    iam.destroy();
    sts.destroy();
    await sandbox.close();
  });

  const decisions = async (role: string, resources: string[], action = 'ecs:RunTask') => {
    const { EvaluationResults = [] } = await iam.send(
      new SimulatePrincipalPolicyCommand({ PolicySourceArn: role, ActionNames: [action], ResourceArns: resources }),
    );
    return EvaluationResults.map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision]);
  };

  test.each([
    ['the exact revision it allows', 'allowed', `${TASK_DEFINITION}/report:1`],
    ['another revision of that family', 'implicitDeny', `${TASK_DEFINITION}/report:2`],
    ['every revision of that family', 'implicitDeny', `${TASK_DEFINITION}/report:*`],
    ['every revision of a family it allows with a glob', 'allowed', `${TASK_DEFINITION}/digest:*`],
  ])('ecs:RunTask on %s → %s', async (_name, decision, resource) => {
    await expect(decisions(REPORT_ROLE, [resource])).resolves.toEqual([['ecs:RunTask', resource, decision]]);
  });

  it('allows a role the fleet does not declare, and actions other than ecs:RunTask', async () => {
    const resource = `${TASK_DEFINITION}/report:7`;
    await expect(decisions('arn:aws:iam::000000000000:role/other', [resource])).resolves.toEqual([
      ['ecs:RunTask', resource, 'allowed'],
    ]);
    await expect(decisions(REPORT_ROLE, [resource], 'ecs:DescribeTasks')).resolves.toEqual([
      ['ecs:DescribeTasks', resource, 'allowed'],
    ]);
  });

  it('answers a PolicySourceArn that is no role with InvalidInput', async () => {
    await expect(decisions('arn:aws:iam::000000000000:user/someone', ['*'])).rejects.toMatchObject({
      name: 'InvalidInputException',
    });
  });

  it('leaves the other query-protocol calls to STS', async () => {
    const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: REPORT_ROLE, RoleSessionName: 'test' }));
    expect(Credentials?.AccessKeyId).toMatch(/^ASIA/);
  });
});
