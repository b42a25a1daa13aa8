import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { DescribeRuleCommand } from '@aws-sdk/client-eventbridge';
import { demoConfig, ECR, FAST } from './fleets';
import { type E2e, startE2e, taskDefinition } from './harness';

/**
 * A scheduled task's role that may run only the revision it was created for (as CDK's EcsTask
 * target grants it) would make every scheduled run fail once gehen retargets the rule: gehen must
 * refuse before changing anything. The sandbox's IAM answers SimulatePrincipalPolicy from the
 * fleet's `roles[].allowRunTask`.
 */
const NARROW_ROLE = 'arn:aws:iam::000000000000:role/report-events';
const WIDE_ROLE = 'arn:aws:iam::000000000000:role/digest-events';

const rule = (name: string, family: string, roleArn: string) => ({
  rule: name,
  scheduleExpression: 'rate(1 day)',
  targets: [
    {
      id: family,
      cluster: 'demo',
      roleArn,
      taskDefinition: taskDefinition(family, [family, `${ECR}/${family}:1111111`]),
    },
  ],
});

describe('gehen deploy of scheduled tasks whose role decides what they may run', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      services: [],
      scheduledTasks: [rule('nightly-report', 'report', NARROW_ROLE), rule('daily-digest', 'digest', WIDE_ROLE)],
      roles: [
        { arn: NARROW_ROLE, allowRunTask: ['arn:aws:ecs:*:*:task-definition/report:1'] },
        { arn: WIDE_ROLE, allowRunTask: ['arn:aws:ecs:*:*:task-definition/digest:*'] },
      ],
      timing: FAST,
    });
  });
  afterAll(() => e2e.close());

  const config = (rules: string[]) =>
    e2e.config(demoConfig({ services: {}, scheduledTasks: rules, timeoutMinutes: 0.5 }), `${rules.join('-')}.yml`);

  it('refuses a rule whose role may run only its current revision, naming the role, the action and the fix', async () => {
    const before = { revisions: await e2e.revisions(), targets: await e2e.targets('nightly-report') };

    const { code, report } = await e2e.deploy('2222222', config(['nightly-report']));

    expect(code).toBe(1);
    expect(report.error?.code).toBe('Gehen.InvalidDeployment');
    expect(report.error?.message).toContain(
      `role ${NARROW_ROLE} may not run ecs:RunTask on the new revision (implicitDeny for ` +
        'arn:aws:ecs:us-east-1:000000000000:task-definition/report:*)',
    );
    expect(report.error?.message).toContain(
      `allow ecs:RunTask on arn:aws:ecs:us-east-1:000000000000:task-definition/report:* in role ${NARROW_ROLE}`,
    );
    // Refused before anything changed: no revision registered, the target untouched.
    expect(await e2e.revisions()).toEqual(before.revisions);
    expect(await e2e.targets('nightly-report')).toEqual(before.targets);
  });

  it('deploys a rule whose role may run every revision of the family', async () => {
    const { code, report } = await e2e.deploy('3333333', config(['daily-digest']));

    expect(code).toBe(0);
    expect(report.status).toBe('deployed');
    const [target] = await e2e.targets('daily-digest');
    expect(target?.taskDefinition).toMatch(/task-definition\/digest:2$/);
    expect(await e2e.images(target?.taskDefinition ?? '')).toEqual({ digest: `${ECR}/digest:3333333` });
    expect((await e2e.events.send(new DescribeRuleCommand({ Name: 'daily-digest' }))).State).toBe('ENABLED');
  });

  // Needs the edges merge (POST /_sandbox/rules/<name>/fire runs the rule's targets as EventBridge would).
  it('runs the new revision when the schedule fires after the deploy', async () => {
    const [target] = await e2e.targets('daily-digest');
    expect(target?.taskDefinition).toMatch(/task-definition\/digest:2$/);

    const fired = await fetch(`${e2e.sandbox.endpoint}/_sandbox/rules/daily-digest/fire`, { method: 'POST' });
    await fired.arrayBuffer();
    expect(fired.ok).toBe(true);

    const arns: string[] = [];
    for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
      const page = await e2e.ecs.send(new ListTasksCommand({ cluster: 'demo', family: 'digest', desiredStatus }));
      arns.push(...(page.taskArns ?? []));
    }
    expect(arns.length).toBeGreaterThan(0);
    const { tasks = [] } = await e2e.ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: arns }));
    expect(tasks.map((t) => t.taskDefinitionArn)).toContain(target?.taskDefinition);
  });
});
