import type { Service, Tag } from '@aws-sdk/client-ecs';
import type { Fault } from '../fleet';

/** The sandbox's ECS state. Times are epoch seconds, the way the JSON protocol carries them. */

export interface TaskDefinitionRecord {
  arn: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
  /** Every field RegisterTaskDefinition was given except `tags`, kept as given. */
  body: Record<string, unknown>;
  containers: { name: string; image: string }[];
  tags: Tag[];
  registeredAt: number;
  /** Until then reads and UpdateService do not know the revision yet (fleet.consistency.ecsSeconds). */
  visibleAt: number;
  deregisteredAt?: number;
}

export interface ClusterRecord {
  arn: string;
  name: string;
  tags: Tag[];
}

export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

export interface DeploymentRecord {
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  taskDefinition: TaskDefinitionRecord;
  /** The PRIMARY's target; an ACTIVE deployment's is its tasks still wanted (shrinking to 0). */
  desiredCount: number;
  failedTasks: number;
  /** Tasks launched so far: spreads an `unhealthyFraction` fault evenly over them. */
  launched: number;
  rolloutState: RolloutState;
  rolloutStateReason: string;
  createdAt: number;
  updatedAt: number;
}

export type TaskStatus = 'PENDING' | 'RUNNING' | 'STOPPED';

export interface TaskRecord {
  id: string;
  arn: string;
  service: ServiceRecord;
  deployment: DeploymentRecord;
  taskDefinition: TaskDefinitionRecord;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  healthStatus: 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY';
  /** The tag the task's server reports (serverContainer's tag, or a `reports` fault's). */
  reportedTag: string;
  fault: Fault | undefined;
  /** Fails its health checks (an `unhealthy` fault, or its share of an `unhealthyFraction`). */
  unhealthy: boolean;
  /** Port of the HTTP server answering for this task; only services with a load balancer have one. */
  port?: Promise<number>;
  createdAt: number;
  startedAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  stoppedReason?: string;
  stopCode?: 'EssentialContainerExited' | 'ServiceSchedulerInitiated' | 'TaskFailedToStart' | 'UserInitiated';
  exitCode?: number;
}

export interface ServiceEvent {
  id: string;
  createdAt: number;
  message: string;
}

export interface DeploymentSettings {
  minimumHealthyPercent: number;
  maximumPercent: number;
  circuitBreaker: CircuitBreakerSettings;
}

/** ECS's DeploymentCircuitBreaker, defaults filled in. */
export interface CircuitBreakerSettings {
  enable: boolean;
  rollback: boolean;
  resetOnHealthyTask: boolean;
  thresholdConfiguration: { type: 'COUNT' | 'BOUNDED_PERCENT' | 'UNBOUNDED_PERCENT'; value: number };
}

export interface ServiceRecord {
  arn: string;
  name: string;
  region: string;
  cluster: ClusterRecord;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  settings: DeploymentSettings;
  /** PRIMARY first. */
  deployments: DeploymentRecord[];
  /** Live tasks and the most recent stopped ones. */
  tasks: TaskRecord[];
  /** Newest first, as ECS lists them. */
  events: ServiceEvent[];
  /** The revision of the last deployment that COMPLETED: what a circuit-breaker rollback restores. */
  lastCompleted?: TaskDefinitionRecord;
  /** That deployment's id, which a rollback's reason names. */
  lastCompletedId?: string;
  /** Container whose tag the task server reports; default the first. */
  serverContainer?: string;
  /** Whether tasks serve HTTP (the fleet gave the service a load balancer). */
  serves: boolean;
  /** CreateService input fields echoed back as given (launchType, networkConfiguration, …). */
  echo: Record<string, unknown>;
  tags: Tag[];
  createdAt: number;
  /** What DescribeServices answers until `until` (epoch s) after a deployment began: reads lag writes. */
  stale?: { view: Service; until: number };
}

export interface EcsRegion {
  name: string;
  /** Revisions per family, oldest first. */
  taskDefinitions: Map<string, TaskDefinitionRecord[]>;
  clusters: Map<string, ClusterRecord>;
  /** Keyed by `<cluster>/<service>`. */
  services: Map<string, ServiceRecord>;
}

export function newRegion(name: string): EcsRegion {
  return { name, taskDefinitions: new Map(), clusters: new Map(), services: new Map() };
}
