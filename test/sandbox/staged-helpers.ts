import {
  DescribeServiceDeploymentsCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type ServiceDeployment,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { serverHeader, taskDefinition, waitFor } from './helpers';

/** A service of the staged-deployment fleets: two tasks, a production and a test listener. */
export function stagedService(name: string, deploymentConfiguration: Record<string, unknown>) {
  return {
    name,
    cluster: 'demo',
    desiredCount: 2,
    listen: 0,
    testListen: 0,
    taskDefinition: taskDefinition(name, 'aaaaaaa'),
    deploymentConfiguration,
  };
}

/** A PAUSE hook at `stage`, timing out after `timeoutInMinutes` (modelled) with `action`. */
export function pauseAt(stage: string, timeoutInMinutes = 600, action: 'ROLLBACK' | 'CONTINUE' = 'ROLLBACK') {
  return { targetType: 'PAUSE', lifecycleStages: [stage], timeoutConfiguration: { timeoutInMinutes, action } };
}

/** Registers `<name>:<tag>` and deploys it; answers the service deployment UpdateService started. */
export async function deployTag(ecs: ECSClient, name: string, tag: string): Promise<string> {
  const registered = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinition(name, tag)));
  const answer = await ecs.send(
    new UpdateServiceCommand({
      cluster: 'demo',
      service: name,
      taskDefinition: registered.taskDefinition?.taskDefinitionArn,
    }),
  );
  const arn = answer.service?.currentServiceDeployment;
  if (!arn) throw new Error(`UpdateService of ${name} answered no currentServiceDeployment`);
  return arn;
}

export async function describeDeployment(ecs: ECSClient, arn: string): Promise<ServiceDeployment> {
  const answer = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }));
  const found = answer.serviceDeployments?.[0];
  if (!found) throw new Error(`service deployment ${arn} not found`);
  return found;
}

/** Waits until the deployment pauses on a hook other than `except`; answers the hook's id and the deployment. */
export async function pausedHook(ecs: ECSClient, arn: string, except: string[] = []) {
  return waitFor(`a hook of ${arn} awaiting action`, async () => {
    const deployment = await describeDeployment(ecs, arn);
    const hook = deployment.lifecycleHookDetails?.find(
      (h) => h.status === 'AWAITING_ACTION' && !except.includes(h.hookId ?? ''),
    );
    return hook?.hookId ? { hookId: hook.hookId, deployment } : undefined;
  });
}

export async function finished(ecs: ECSClient, arn: string, timeoutMs = 10_000): Promise<ServiceDeployment> {
  return waitFor(
    `${arn} to finish`,
    async () => {
      const deployment = await describeDeployment(ecs, arn);
      return ['SUCCESSFUL', 'ROLLBACK_SUCCESSFUL', 'STOPPED', 'ROLLBACK_FAILED'].includes(deployment.status ?? '')
        ? deployment
        : undefined;
    },
    timeoutMs,
  );
}

/** The Server headers of `count` requests in a row. */
export async function headers(url: string, count: number): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < count; i += 1) answers.push(await serverHeader(url));
  return answers;
}
