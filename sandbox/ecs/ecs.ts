import { SandboxAwsError } from '../aws-error';
import { clusterOperations } from './clusters';
import type { EcsContext } from './context';
import { type EcsRegion, newRegion, type ServiceRecord } from './model';
import type { RolloutEnv } from './rollout';
import { runTaskOperations } from './run-task';
import { serviceDeploymentOperations } from './service-deployments';
import { serviceOperations } from './services';
import { taskDefinitionOperations } from './task-definitions';
import { taskOperations } from './tasks';

// Each operation takes the SDK's input shape; the JSON the client sent is trusted to have it.
// biome-ignore lint/suspicious/noExplicitAny: one table for operations with different input types
type Operation = (ctx: EcsContext, input: any) => unknown;

const operations: Record<string, Operation> = {
  ...taskDefinitionOperations,
  ...clusterOperations,
  ...serviceOperations,
  ...serviceDeploymentOperations,
  ...taskOperations,
  ...runTaskOperations,
};

/** The sandbox's ECS: state per region, operations by name. */
export class Ecs {
  private readonly regions = new Map<string, EcsRegion>();

  constructor(readonly env: RolloutEnv) {}

  region(name: string): EcsRegion {
    let region = this.regions.get(name);
    if (!region) {
      region = newRegion(name);
      this.regions.set(name, region);
    }
    return region;
  }

  context(region: string): EcsContext {
    return { region: this.region(region), env: this.env };
  }

  async handle(operation: string, input: unknown, region: string): Promise<unknown> {
    const run = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
    if (!run)
      throw new SandboxAwsError('UnknownOperationException', `The sandbox's ECS does not implement ${operation}.`);
    return run(this.context(region), input ?? {});
  }

  service(region: string, cluster: string, name: string): ServiceRecord | undefined {
    return this.region(region).services.get(`${cluster}/${name}`);
  }
}
