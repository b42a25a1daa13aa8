import type { Context } from 'aws-lambda';
import { report } from '../../../lambdas/report/core';
import { handler } from '../../../lambdas/report/handler';
import type { PlannedRule } from '../../../lambdas/shared/contracts/state';
import { buildDeploymentReport, type ReportInput } from '../../../lambdas/shared/report/deployment-report';
import { GITSHA, makePlan, OLD_SHA, plannedService, taskDefinitionArn } from '../shared/round-fixtures';

const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:gehen-deploy:run-1';
const api = plannedService('api');
const worker = plannedService('worker', { previousSha: null });
const nightly: PlannedRule = {
  rule: 'nightly',
  region: 'eu-west-1',
  eventBusName: 'default',
  containers: null,
  targets: [{ id: 't1', previousTaskDefinition: taskDefinitionArn('job', 4), previousSha: OLD_SHA }],
};
const weekly: PlannedRule = { ...nightly, rule: 'weekly' };

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  const plan = { ...makePlan([api, worker]), scheduledTasks: [nightly, weekly] };
  return {
    plan,
    deployed: [
      { name: 'api', taskDefinition: taskDefinitionArn('api', 2), updated: true },
      { name: 'worker', taskDefinition: taskDefinitionArn('worker', 1), updated: false },
    ],
    scheduled: [
      {
        rule: 'nightly',
        targets: [
          {
            id: 't1',
            previousTaskDefinition: taskDefinitionArn('job', 4),
            taskDefinition: taskDefinitionArn('job', 5),
            changed: true,
          },
        ],
      },
    ],
    executionArn: EXECUTION,
    ...overrides,
  };
}

describe('report', () => {
  it('reports what ran before and what runs now for every service and rule', async () => {
    await expect(report(input())).resolves.toEqual({
      execution: EXECUTION,
      status: 'deployed',
      exitCode: 0,
      gitsha: GITSHA,
      error: null,
      services: [
        {
          name: 'api',
          cluster: api.cluster,
          previousTaskDefinition: taskDefinitionArn('api', 1),
          taskDefinition: taskDefinitionArn('api', 2),
          previousSha: OLD_SHA,
          sha: GITSHA,
          outcome: 'deployed',
          reason: null,
        },
        {
          name: 'worker',
          cluster: worker.cluster,
          previousTaskDefinition: taskDefinitionArn('worker', 1),
          taskDefinition: taskDefinitionArn('worker', 1),
          previousSha: null,
          sha: GITSHA,
          outcome: 'unchanged',
          reason: null,
        },
      ],
      scheduledTasks: [
        {
          rule: 'nightly',
          targets: [
            {
              id: 't1',
              previousTaskDefinition: taskDefinitionArn('job', 4),
              taskDefinition: taskDefinitionArn('job', 5),
            },
          ],
          outcome: 'deployed',
        },
        {
          rule: 'weekly',
          targets: [
            {
              id: 't1',
              previousTaskDefinition: taskDefinitionArn('job', 4),
              taskDefinition: taskDefinitionArn('job', 4),
            },
          ],
          outcome: 'unchanged',
        },
      ],
    });
  });

  it('reports every service unchanged under updateStrategy none', () => {
    const result = buildDeploymentReport(input({ deployed: [] }));
    expect(result.services.map((s) => [s.name, s.outcome, s.taskDefinition])).toEqual([
      ['api', 'unchanged', taskDefinitionArn('api', 1)],
      ['worker', 'unchanged', taskDefinitionArn('worker', 1)],
    ]);
  });

  test.each([
    { status: 'rolled-back', outcome: 'rolled-back' },
    { status: 'timed-out', outcome: 'unknown' },
  ] as const)('names a changed service $outcome when the CLI reports $status', ({ status, outcome }) => {
    expect(buildDeploymentReport(input(), { status, exitCode: 1 }).services[0]?.outcome).toBe(outcome);
  });

  test.each([
    ['rolled-back', 'rolled-back'],
    ['failed', 'unknown'],
    ['timed-out', 'unknown'],
  ] as const)('does not call a service unchanged when a failed deploy step left no result (%s)', (status, outcome) => {
    const built = buildDeploymentReport(input({ deployed: [], scheduled: [] }), { status, exitCode: 1 });
    expect(built.services.map((s) => s.outcome)).toEqual([outcome, outcome]);
    expect(built.scheduledTasks.map((t) => t.outcome)).toEqual([outcome, outcome]);
  });

  it('keeps secrets out: the report holds only names, ARNs, SHAs and outcomes', () => {
    const text = JSON.stringify(buildDeploymentReport(input()));
    expect(text).not.toMatch(/containerDefinitions|environment|secrets/);
  });

  it('reports a skipped push as skipped, saying why, with nothing changed', async () => {
    const skipped = input({ deployed: [], scheduled: [] });
    skipped.plan = { ...skipped.plan, skipped: 'every service and scheduled task already runs abc1234' };
    const result = await report(skipped);
    expect(result).toMatchObject({
      status: 'skipped',
      reason: 'every service and scheduled task already runs abc1234',
    });
    expect(new Set([...result.services, ...result.scheduledTasks].map((item) => item.outcome))).toEqual(
      new Set(['unchanged']),
    );
  });

  it('runs through middy', async () => {
    await expect(handler(input(), {} as Context)).resolves.toMatchObject({ status: 'deployed', gitsha: GITSHA });
  });
});
