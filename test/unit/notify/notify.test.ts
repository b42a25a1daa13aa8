import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { failureReport, NotificationFailedError, notify } from '../../../lambdas/notify/core';
import { FailureCodes } from '../../../lambdas/shared/contracts/errors';
import type { DeploymentReport } from '../../../lambdas/shared/contracts/state';
import { awsError, deployment, NEW_SHA, plannedService, taskDefinitionArn } from '../shared/deploy-fixtures';

const events = mockClient(EventBridgeClient);
beforeEach(() => {
  events.reset();
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
});
afterAll(() => events.restore());

const EXECUTION = deployment().executionArn;
const client = () => new EventBridgeClient({ region: 'eu-west-1' });
const api = plannedService();
const plan = { deployment: deployment(), services: [api], scheduledTasks: [] };

function sentDetail(): Record<string, unknown> {
  const input = events.commandCalls(PutEventsCommand)[0]?.args[0].input;
  return JSON.parse(input?.Entries?.[0]?.Detail ?? 'null');
}

describe('notify', () => {
  it('puts the report of a deployed execution on the default bus as a Gehen Deployment State Change', async () => {
    const report: DeploymentReport = {
      execution: EXECUTION,
      status: 'deployed',
      exitCode: 0,
      gitsha: NEW_SHA,
      error: null,
      services: [],
      scheduledTasks: [],
    };
    await expect(notify({ report }, client())).resolves.toEqual({ eventId: 'event-1', status: 'deployed' });
    expect(events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        {
          Source: 'gehen',
          DetailType: 'Gehen Deployment State Change',
          Detail: JSON.stringify(report),
          Resources: [EXECUTION],
        },
      ],
    });
  });

  it('reports a rollback per service, with the Fail state’s code and cause', async () => {
    const state = {
      plan,
      deployed: [{ name: 'api', cluster: api.cluster, taskDefinition: taskDefinitionArn('api', 13), updated: true }],
      scheduled: [],
      round: { status: 'failed' },
    };
    const failure = {
      code: FailureCodes.rolledBack,
      status: 'rolled-back' as const,
      cause: 'back on the previous revisions',
    };
    await notify({ failure, executionArn: EXECUTION, state }, client());
    expect(sentDetail()).toMatchObject({
      execution: EXECUTION,
      status: 'rolled-back',
      services: [{ name: 'api', taskDefinition: taskDefinitionArn('api', 13), outcome: 'rolled-back' }],
      error: { code: 'Gehen.RolledBack', message: 'back on the previous revisions' },
    });
  });

  it('reports a deployment Prepare refused from the execution input and the Lambda error message', () => {
    const state = {
      gitsha: NEW_SHA.toUpperCase(),
      config: {},
      error: {
        Error: 'ConcurrentDeploymentError',
        Cause: JSON.stringify({
          errorType: 'ConcurrentDeploymentError',
          errorMessage: 'execution X is already deploying',
        }),
      },
    };
    const failure = { code: FailureCodes.concurrentDeployment, status: 'failed' as const };
    expect(failureReport(failure, EXECUTION, state)).toEqual({
      execution: EXECUTION,
      status: 'failed',
      // Gehen.ConcurrentDeployment's exit code: refused, nothing changed.
      exitCode: 1,
      gitsha: NEW_SHA.toUpperCase(),
      services: [],
      scheduledTasks: [],
      error: { code: 'Gehen.ConcurrentDeployment', message: 'execution X is already deploying' },
    });
  });

  it('fails (for the workflow to catch) when EventBridge refuses the entry', async () => {
    events
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    const report = {
      execution: EXECUTION,
      status: 'deployed' as const,
      exitCode: 0 as const,
      gitsha: NEW_SHA,
      error: null,
      services: [],
      scheduledTasks: [],
    };
    await expect(notify({ report }, client())).rejects.toThrow(
      new NotificationFailedError('failed to put the deployment notification: InternalFailure: try again'),
    );
  });

  it('wraps AWS errors with what it was doing', async () => {
    events.on(PutEventsCommand).rejects(awsError('AccessDeniedException', 'not allowed'));
    const report = {
      execution: EXECUTION,
      status: 'deployed' as const,
      exitCode: 0 as const,
      gitsha: NEW_SHA,
      error: null,
      services: [],
      scheduledTasks: [],
    };
    await expect(notify({ report }, client())).rejects.toThrow(
      'failed to put the deployment notification: AccessDeniedException: not allowed',
    );
  });

  it('leaves the per-service lists out of a report too large for one event', async () => {
    const services = Array.from({ length: 2000 }, (_, i) => ({
      name: `service-${i}`,
      cluster: api.cluster,
      previousTaskDefinition: taskDefinitionArn(`service-${i}`, 1),
      taskDefinition: taskDefinitionArn(`service-${i}`, 2),
      previousSha: null,
      sha: NEW_SHA,
      outcome: 'deployed' as const,
      reason: null,
    }));
    const report = {
      execution: EXECUTION,
      status: 'deployed' as const,
      exitCode: 0 as const,
      gitsha: NEW_SHA,
      error: null,
      services,
      scheduledTasks: [],
    };
    await notify({ report }, client());
    expect(sentDetail()).toMatchObject({ services: [], truncated: { services: 2000, scheduledTasks: 0 } });
  });
});
