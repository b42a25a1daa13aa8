import { ECSClient, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { STSClient } from '@aws-sdk/client-sts';
import type { FleetInput, Sandbox } from '../../sandbox';
import type { FleetTaskDefinition } from '../../sandbox/fleet';

/** Real SDK clients pointed at the sandbox; one attempt, so throttling surfaces instead of retrying. */
export function clients(sandbox: Sandbox, region = sandbox.region) {
  const config = {
    endpoint: sandbox.endpoint,
    region,
    credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' },
    maxAttempts: 1,
  };
  return { ecs: new ECSClient(config), events: new EventBridgeClient(config), sts: new STSClient(config) };
}

/** Polls `check` every 20 ms until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: last });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function taskDefinition(
  family: string,
  tag: string,
  extra: Omit<Partial<RegisterTaskDefinitionCommandInput>, 'containerDefinitions'> = {},
): FleetTaskDefinition {
  return {
    family,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: family, image: `registry.local:5000/team/${family}:${tag}`, essential: true }],
    ...extra,
  };
}

/** A fast fleet: tasks start in 50 ms and drain for 100 ms. */
export function fastFleet(fleet: Partial<FleetInput>): FleetInput {
  return { region: 'us-east-1', timing: { taskStartSeconds: 0.05, drainSeconds: 0.1 }, ...fleet };
}

/** The `Server` header the load balancer answers with, or the status when it is not 200. */
export async function serverHeader(url: string): Promise<string> {
  const response = await fetch(url);
  await response.text();
  return response.status === 200 ? (response.headers.get('server') ?? '') : String(response.status);
}
