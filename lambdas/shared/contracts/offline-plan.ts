import type { DeployConfig } from '../config/deploy-config';
import type { Plan } from './state';

/**
 * The smallest plan a gehen.yml can become, made without AWS: what `gehen validate` measures with
 * the byte check Prepare runs on the real plan (state-size.ts). Everything AWS would add is taken
 * at its shortest — a 12-digit account, a one-character task definition family at revision 1, one
 * one-character target per rule, an execution name of one character — so a file it refuses,
 * Prepare refuses too; one it passes may still be refused by Prepare (longer families, more targets).
 */
const ACCOUNT = '000000000000';
const SHORTEST_REGION = 'us-east-1';

export function smallestPlan(config: DeployConfig, gitsha: string | null): Plan {
  const regionOf = (region: string | null) => region ?? config.region ?? SHORTEST_REGION;
  const taskDefinition = (region: string) => `arn:aws:ecs:${region}:${ACCOUNT}:task-definition/x:1`;
  return {
    deployment: {
      gitsha: gitsha ?? '0000000',
      updateStrategy: config.updateStrategy,
      roleArn: config.roleArn,
      timeoutSeconds: Math.round(config.timeoutMinutes * 60),
      pollIntervalSeconds: config.pollIntervalSeconds,
      requiredMatches: config.requiredMatches,
      executionArn: `arn:aws:states:${regionOf(null)}:${ACCOUNT}:execution:x:x`,
    },
    services: config.services.map((s) => {
      const region = regionOf(s.region);
      return {
        name: s.name,
        cluster: s.cluster.startsWith('arn:') ? s.cluster : `arn:aws:ecs:${region}:${ACCOUNT}:cluster/${s.cluster}`,
        region,
        url: s.url,
        containers: s.containers,
        previousTaskDefinition: taskDefinition(region),
        previousSha: null,
      };
    }),
    scheduledTasks: config.scheduledTasks.map((t) => ({
      rule: t.rule,
      region: regionOf(t.region),
      eventBusName: 'default',
      containers: t.containers,
      targets: [{ id: 'x', previousTaskDefinition: taskDefinition(regionOf(t.region)), previousSha: null }],
    })),
  };
}
