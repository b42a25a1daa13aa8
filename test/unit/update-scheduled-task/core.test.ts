import { DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { UpdateStrategy } from '../../../lambdas/shared/config/deploy-config';
import { DeploymentFailedError, TransientAwsError } from '../../../lambdas/shared/contracts/errors';
import { scheduledTaskBase, updateScheduledTask } from '../../../lambdas/update-scheduled-task/core';
import {
  awsError,
  deployment,
  describedTaskDefinition,
  plannedRule,
  taskDefinitionArn,
  testClients,
} from '../shared/deploy-fixtures';

const ecs = mockClient(ECSClient);
const events = mockClient(EventBridgeClient);
beforeEach(() => {
  ecs.reset();
  events.reset();
});

const CLUSTER = 'arn:aws:ecs:eu-west-1:123456789012:cluster/jobs';

function ecsTarget(id: string, taskDefinition: string): Target {
  return {
    Id: id,
    Arn: CLUSTER,
    RoleArn: 'arn:aws:iam::123456789012:role/events-ecs',
    Input: '{"containerOverrides":[]}',
    RetryPolicy: { MaximumRetryAttempts: 2 },
    EcsParameters: {
      TaskDefinitionArn: taskDefinition,
      TaskCount: 1,
      LaunchType: 'FARGATE',
      NetworkConfiguration: { awsvpcConfiguration: { Subnets: ['subnet-1'], AssignPublicIp: 'DISABLED' } },
      PlatformVersion: 'LATEST',
      Tags: [{ Key: 'team', Value: 'core' }],
    },
  };
}

const REPORT_3 = taskDefinitionArn('report', 3);
const REPORT_4 = taskDefinitionArn('report', 4);

function deployInput(updateStrategy: UpdateStrategy = 'current') {
  return { rule: plannedRule(), deployment: deployment({ updateStrategy }), mode: 'deploy' as const };
}

describe('updateScheduledTask', () => {
  it('registers a new revision and puts the target back with every other field kept', async () => {
    events
      .on(ListTargetsByRuleCommand)
      .resolvesOnce({ Targets: [{ Id: 'notify', Arn: 'arn:aws:sns:eu-west-1:123456789012:t' }], NextToken: 'page-2' })
      .resolvesOnce({ Targets: [ecsTarget('report', REPORT_3)] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: describedTaskDefinition('report', 3) });
    ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: REPORT_4 } });
    events.on(PutTargetsCommand).resolves({ FailedEntryCount: 0, FailedEntries: [] });

    await expect(updateScheduledTask(deployInput(), testClients())).resolves.toEqual({
      rule: 'nightly-report',
      targets: [{ id: 'report', previousTaskDefinition: REPORT_3, taskDefinition: REPORT_4, changed: true }],
    });
    expect(events).toHaveReceivedCommandWith(ListTargetsByRuleCommand, { NextToken: 'page-2' });
    const expected = ecsTarget('report', REPORT_4);
    expect(events).toHaveReceivedCommandWith(PutTargetsCommand, {
      Rule: 'nightly-report',
      EventBusName: 'default',
      Targets: [expected],
    });
  });

  it('fails naming the target when PutTargets reports a failed entry', async () => {
    events.on(ListTargetsByRuleCommand).resolves({ Targets: [ecsTarget('report', REPORT_3)] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: describedTaskDefinition('report', 3) });
    ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: REPORT_4 } });
    events.on(PutTargetsCommand).resolves({
      FailedEntryCount: 1,
      FailedEntries: [{ TargetId: 'report', ErrorCode: 'ConcurrentModificationException', ErrorMessage: 'busy' }],
    });

    await expect(updateScheduledTask(deployInput(), testClients())).rejects.toThrow(
      new DeploymentFailedError(
        'failed to update the targets of scheduled task rule nightly-report (eu-west-1): target report: ConcurrentModificationException: busy',
      ),
    );
  });

  it('puts nothing when the target already runs the new SHA', async () => {
    events.on(ListTargetsByRuleCommand).resolves({ Targets: [ecsTarget('report', REPORT_3)] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: describedTaskDefinition('report', 3, { report: `repo/report:${deployment().gitsha}` }),
    });

    await expect(updateScheduledTask(deployInput(), testClients())).resolves.toMatchObject({
      targets: [{ id: 'report', taskDefinition: REPORT_3, changed: false }],
    });
    expect(events).not.toHaveReceivedCommand(PutTargetsCommand);
  });

  it('fails when a planned target is gone', async () => {
    events.on(ListTargetsByRuleCommand).resolves({ Targets: [] });

    await expect(updateScheduledTask(deployInput(), testClients())).rejects.toThrow(
      'failed to update scheduled task rule nightly-report: its ECS target report is gone',
    );
  });

  // The original updated scheduled tasks whatever the strategy; redeploy and none are about services.
  test.each<[UpdateStrategy, 'current' | 'latest']>([
    ['current', 'current'],
    ['latest', 'latest'],
    ['redeploy', 'current'],
    ['none', 'current'],
  ])('with updateStrategy %s clones the %s revision', (strategy, base) => {
    expect(scheduledTaskBase(strategy)).toBe(base);
  });

  it('clones the newest ACTIVE revision of the family for latest', async () => {
    events.on(ListTargetsByRuleCommand).resolves({ Targets: [ecsTarget('report', REPORT_3)] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: describedTaskDefinition('report', 9) });
    ecs
      .on(RegisterTaskDefinitionCommand)
      .resolves({ taskDefinition: { taskDefinitionArn: taskDefinitionArn('report', 10) } });
    events.on(PutTargetsCommand).resolves({ FailedEntryCount: 0 });

    await updateScheduledTask(deployInput('latest'), testClients());
    expect(ecs).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, { taskDefinition: 'report' });
  });

  describe('in rollback mode', () => {
    const rollbackInput = { rule: plannedRule(), deployment: deployment(), mode: 'rollback' as const };

    it('puts back the recorded previous revision without registering', async () => {
      events.on(ListTargetsByRuleCommand).resolves({ Targets: [ecsTarget('report', REPORT_4)] });
      events.on(PutTargetsCommand).resolves({ FailedEntryCount: 0 });

      await expect(updateScheduledTask(rollbackInput, testClients())).resolves.toEqual({
        rule: 'nightly-report',
        targets: [{ id: 'report', previousTaskDefinition: REPORT_3, taskDefinition: REPORT_3, changed: true }],
        restored: true,
      });
      expect(events).toHaveReceivedCommandWith(PutTargetsCommand, { Targets: [ecsTarget('report', REPORT_3)] });
      expect(ecs.calls()).toHaveLength(0);
    });

    it('throws throttling from PutTargets for the Task to retry', async () => {
      events.on(ListTargetsByRuleCommand).resolves({ Targets: [ecsTarget('report', REPORT_4)] });
      events.on(PutTargetsCommand).rejects(awsError('ThrottlingException'));

      await expect(updateScheduledTask(rollbackInput, testClients())).rejects.toBeInstanceOf(TransientAwsError);
    });

    // The Map goes on with every other rule: this one is reported, with what its targets run now.
    test.each<[string, () => void]>([
      ['PutTargets is refused', () => events.on(PutTargetsCommand).rejects(awsError('AccessDeniedException'))],
      ['an entry fails', () => events.on(PutTargetsCommand).resolves({ FailedEntryCount: 1 })],
    ])('reports the rule as not restored when %s', async (_, arrange) => {
      events.on(ListTargetsByRuleCommand).resolves({ Targets: [ecsTarget('report', REPORT_4)] });
      arrange();

      await expect(updateScheduledTask(rollbackInput, testClients())).resolves.toMatchObject({
        rule: 'nightly-report',
        targets: [{ id: 'report', previousTaskDefinition: REPORT_3, taskDefinition: REPORT_4, changed: false }],
        restored: false,
        reason: expect.stringContaining('failed to roll back'),
      });
    });
  });
});
