import { createCluster } from './ecs/clusters';
import type { Ecs } from './ecs/ecs';
import { createService } from './ecs/services';
import { registerTaskDefinition } from './ecs/task-definitions';
import type { Events } from './events';
import type { Fleet } from './fleet';

const SUBNET = 'subnet-00000000000000000';

/**
 * Creates the fleet through the same code paths the API uses: clusters, one task definition
 * revision per service and scheduled target, services already at a steady state, and rules
 * with their ECS targets.
 */
export async function seedFleet(fleet: Fleet, ecs: Ecs, events: Events): Promise<void> {
  const ctx = ecs.context(fleet.region);
  for (const service of fleet.services) {
    createCluster(ctx.region, { clusterName: service.cluster });
    const { taskDefinition } = registerTaskDefinition(ctx.region, service.taskDefinition);
    const settings = service.deploymentConfiguration ?? { minimumHealthyPercent: 100, maximumPercent: 200 };
    createService(
      ctx,
      {
        cluster: service.cluster,
        serviceName: service.name,
        taskDefinition: taskDefinition.taskDefinitionArn,
        desiredCount: service.desiredCount,
        launchType: 'FARGATE',
        // The fleet's keys are ECS's own (strategy, bakeTimeInMinutes, lifecycleHooks, alarms, …).
        deploymentConfiguration: {
          ...settings,
          deploymentCircuitBreaker: service.circuitBreaker ?? { enable: false, rollback: false },
        },
        networkConfiguration: { awsvpcConfiguration: { subnets: [SUBNET], assignPublicIp: 'DISABLED' } },
      },
      {
        serves: service.listen !== undefined,
        serverContainer: service.serverContainer,
        immediate: true,
        shortArn: service.shortArn,
      },
    );
  }
  for (const scheduled of fleet.scheduledTasks) {
    events.putRule(fleet.region, events.rules(fleet.region), {
      Name: scheduled.rule,
      ScheduleExpression: scheduled.scheduleExpression,
    });
    const targets = scheduled.targets.map((target) => {
      const cluster = createCluster(ctx.region, { clusterName: target.cluster });
      const { taskDefinition } = registerTaskDefinition(ctx.region, target.taskDefinition);
      return {
        Id: target.id,
        Arn: cluster.arn,
        RoleArn: target.roleArn,
        EcsParameters: {
          TaskDefinitionArn: taskDefinition.taskDefinitionArn,
          TaskCount: target.taskCount,
          LaunchType: target.launchType,
          NetworkConfiguration: {
            awsvpcConfiguration: {
              Subnets: target.subnets,
              ...(target.securityGroups ? { SecurityGroups: target.securityGroups } : {}),
              AssignPublicIp: 'DISABLED' as const,
            },
          },
        },
      };
    });
    await events.handle('PutTargets', { Rule: scheduled.rule, Targets: targets }, fleet.region);
  }
}
