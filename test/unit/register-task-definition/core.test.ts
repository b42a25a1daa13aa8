import {
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { registerTaskDefinition } from '../../../lambdas/register-task-definition/core';
import type { UpdateStrategy } from '../../../lambdas/shared/config/deploy-config';
import { DeploymentFailedError, TransientAwsError } from '../../../lambdas/shared/contracts/errors';
import {
  awsError,
  deployment,
  describedTaskDefinition,
  NEW_SHA,
  OLD_SHA,
  plannedService,
  taskDefinitionArn,
  testClients,
} from '../shared/deploy-fixtures';

const ecs = mockClient(ECSClient);
beforeEach(() => ecs.reset());

function input(updateStrategy: UpdateStrategy = 'current', containers: string[] | null = null) {
  return { service: plannedService({ containers }), deployment: deployment({ updateStrategy }) };
}

describe('registerTaskDefinition', () => {
  it('registers a clone of the running revision with the new image tag', async () => {
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: describedTaskDefinition('api', 12),
      tags: [{ key: 'team', value: 'core' }],
    });
    ecs
      .on(RegisterTaskDefinitionCommand)
      .resolves({ taskDefinition: { taskDefinitionArn: taskDefinitionArn('api', 13) } });

    await expect(registerTaskDefinition(input(), testClients())).resolves.toEqual({
      taskDefinition: taskDefinitionArn('api', 13),
      registered: true,
    });
    expect(ecs).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, {
      taskDefinition: taskDefinitionArn('api', 12),
      include: ['TAGS'],
    });
    expect(ecs).toHaveReceivedCommandWith(RegisterTaskDefinitionCommand, {
      family: 'api',
      containerDefinitions: [expect.objectContaining({ image: expect.stringMatching(new RegExp(`/api:${NEW_SHA}$`)) })],
      runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
      ephemeralStorage: { sizeInGiB: 50 },
      tags: [{ key: 'team', value: 'core' }],
    });
  });

  it('registers nothing when the family’s newest revision is exactly the clone (a retry after registering)', async () => {
    const running = describedTaskDefinition('api', 12);
    const image = running.containerDefinitions?.[0]?.image?.replace(/:[^:]+$/, `:${NEW_SHA}`) ?? '';
    const tags = [{ key: 'team', value: 'core' }];
    ecs
      .on(DescribeTaskDefinitionCommand, { taskDefinition: taskDefinitionArn('api', 12) })
      .resolves({ taskDefinition: running, tags })
      .on(DescribeTaskDefinitionCommand, { taskDefinition: 'api' })
      .resolves({ taskDefinition: describedTaskDefinition('api', 13, { api: image }), tags });

    await expect(registerTaskDefinition(input(), testClients())).resolves.toEqual({
      taskDefinition: taskDefinitionArn('api', 13),
      registered: true,
    });
    expect(ecs).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
  });

  test.each([
    ['runs the old tag (it is the running revision)', OLD_SHA, 'core'],
    ['differs in a tag', NEW_SHA, 'platform'],
  ])('registers when the family’s newest revision %s', async (_, sha, team) => {
    const running = describedTaskDefinition('api', 12);
    const image = running.containerDefinitions?.[0]?.image?.replace(/:[^:]+$/, `:${sha}`) ?? '';
    ecs
      .on(DescribeTaskDefinitionCommand, { taskDefinition: taskDefinitionArn('api', 12) })
      .resolves({ taskDefinition: running, tags: [{ key: 'team', value: 'core' }] })
      .on(DescribeTaskDefinitionCommand, { taskDefinition: 'api' })
      .resolves({
        taskDefinition: describedTaskDefinition('api', 13, { api: image }),
        tags: [{ key: 'team', value: team }],
      });
    ecs
      .on(RegisterTaskDefinitionCommand)
      .resolves({ taskDefinition: { taskDefinitionArn: taskDefinitionArn('api', 14) } });

    await expect(registerTaskDefinition(input(), testClients())).resolves.toEqual({
      taskDefinition: taskDefinitionArn('api', 14),
      registered: true,
    });
  });

  it('keeps runtimePlatform and ephemeralStorage and sends no read-only field', async () => {
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: describedTaskDefinition('api', 12), tags: [] });
    ecs
      .on(RegisterTaskDefinitionCommand)
      .resolves({ taskDefinition: { taskDefinitionArn: taskDefinitionArn('api', 13) } });

    await registerTaskDefinition(input(), testClients());

    const sent = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input;
    expect(sent?.runtimePlatform).toEqual({ cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' });
    expect(sent?.ephemeralStorage).toEqual({ sizeInGiB: 50 });
    for (const field of ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities']) {
      expect(sent).not.toHaveProperty(field);
    }
  });

  it('bases latest on the newest ACTIVE revision of the exact family', async () => {
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: describedTaskDefinition('api', 20) });
    ecs
      .on(RegisterTaskDefinitionCommand)
      .resolves({ taskDefinition: { taskDefinitionArn: taskDefinitionArn('api', 21) } });

    await expect(registerTaskDefinition(input('latest'), testClients())).resolves.toEqual({
      taskDefinition: taskDefinitionArn('api', 21),
      registered: true,
    });
    // A bare family describes its newest ACTIVE revision; ListTaskDefinitions' familyPrefix would
    // also match "api-worker".
    expect(ecs).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, { taskDefinition: 'api' });
    expect(ecs).not.toHaveReceivedCommand(ListTaskDefinitionsCommand);
  });

  it('refuses a latest revision of another family', async () => {
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: describedTaskDefinition('api-worker', 4) });

    await expect(registerTaskDefinition(input('latest'), testClients())).rejects.toBeInstanceOf(DeploymentFailedError);
    expect(ecs).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
  });

  it('registers nothing when the base already runs the new tag', async () => {
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: describedTaskDefinition('api', 20, { api: `repo/api:${NEW_SHA}` }),
    });

    await expect(registerTaskDefinition(input('latest'), testClients())).resolves.toEqual({
      taskDefinition: taskDefinitionArn('api', 20),
      registered: false,
    });
    expect(ecs).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
  });

  test.each<UpdateStrategy>(['redeploy', 'none'])('%s keeps the running revision without a call', async (strategy) => {
    await expect(registerTaskDefinition(input(strategy), testClients())).resolves.toEqual({
      taskDefinition: taskDefinitionArn('api', 12),
      registered: false,
    });
    expect(ecs.calls()).toHaveLength(0);
  });

  it('fails naming the service when a selected container is not in the task definition', async () => {
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: describedTaskDefinition('api', 12) });

    await expect(registerTaskDefinition(input('current', ['worker']), testClients())).rejects.toThrow(
      'task definition api:12 for service api in cluster prod has no container worker',
    );
  });

  test.each([
    ['ThrottlingException', 'no', TransientAwsError],
    ['ClientException', 'no', DeploymentFailedError],
    // Two deployments registering the same family at once: contention, retried by the workflow.
    [
      'ClientException',
      'Too many concurrent attempts to create a new revision of the specified family.',
      TransientAwsError,
    ],
  ])('wraps a %s (%s) from RegisterTaskDefinition with context', async (name, message, type) => {
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: describedTaskDefinition('api', 12) });
    ecs.on(RegisterTaskDefinitionCommand).rejects(awsError(name, message));

    const error = await registerTaskDefinition(input(), testClients()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toBe(
      `failed to register a new revision of task definition api for service api in cluster prod: ${name}: ${message}`,
    );
  });
});
