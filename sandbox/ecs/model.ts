import type { Service, Tag } from '@aws-sdk/client-ecs';
import type { Fault, HOOK_STAGES } from '../fleet';

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
  /** The service revision this deployment runs (one per deployment, as ECS records them). */
  revision: ServiceRevisionRecord;
  createdAt: number;
  updatedAt: number;
}

/** ECS's service revision: the workload configuration one deployment runs. */
export interface ServiceRevisionRecord {
  arn: string;
  taskDefinition: TaskDefinitionRecord;
  createdAt: number;
}

export type Strategy = 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY';

/** ServiceDeployment.lifecycleStage (API_ServiceDeployment.html). */
export type LifecycleStage = (typeof HOOK_STAGES)[number] | 'SCALE_UP' | 'BAKE_TIME' | 'CLEAN_UP';

export type ServiceDeploymentStatus =
  | 'PENDING'
  | 'IN_PROGRESS'
  | 'SUCCESSFUL'
  | 'STOPPED'
  | 'STOP_REQUESTED'
  | 'ROLLBACK_REQUESTED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_SUCCESSFUL'
  | 'ROLLBACK_FAILED';

/** One run of a lifecycle hook at one stage (DeploymentLifecycleHookDetail). */
export interface HookRun {
  hookId: string;
  stage: LifecycleStage;
  /** The stage entry it runs at (ServiceDeploymentRecord.stageEntry). */
  entry: number;
  status: 'AWAITING_ACTION' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  expiresAt: number;
  timeoutAction: 'ROLLBACK' | 'CONTINUE';
}

/** ECS's record of one service deployment (ListServiceDeployments, DescribeServiceDeployments). */
export interface ServiceDeploymentRecord {
  arn: string;
  service: ServiceRecord;
  /** The settings the deployment started with (ServiceDeployment.deploymentConfiguration). */
  settings: DeploymentSettings;
  status: ServiceDeploymentStatus;
  statusReason?: string;
  /** The revisions running when it started (blue), and the one it deploys (green). */
  source: DeploymentRecord[];
  target: DeploymentRecord;
  /** BLUE_GREEN, LINEAR and CANARY only. */
  stage?: LifecycleStage;
  /** Counts the stages entered: a hook runs once per entry (PRE_PRODUCTION_TRAFFIC_SHIFT, once per step). */
  stageEntry: number;
  /** The current stage's work is done (its hooks may still be running). */
  stageWorkDone: boolean;
  /** Epoch ms until which the current stage waits (a bake time). */
  waitUntil?: number;
  /** Percent of production and test traffic sent to the target revision. */
  productionWeight: number;
  testWeight: number;
  hooks: HookRun[];
  rollback?: { reason: string; startedAt: number; revision: ServiceRevisionRecord };
  /** A rolling rollback's own deployment (a staged rollback makes the source PRIMARY again). */
  rollbackDeployment?: DeploymentRecord;
  triggeredAlarms: string[];
  breakerTriggered: boolean;
  createdAt: number;
  startedAt: number;
  updatedAt: number;
  finishedAt?: number;
  stoppedAt?: number;
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
  /** The image tag of the serverContainer: the version the task runs. */
  tag: string;
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
  strategy: Strategy;
  /** Minutes; 0 when not given. */
  bakeTimeInMinutes: number;
  canary: { canaryPercent: number; canaryBakeTimeInMinutes: number };
  linear: { stepPercent: number; stepBakeTimeInMinutes: number };
  lifecycleHooks: HookSettings[];
  alarms?: { alarmNames: string[]; enable: boolean; rollback: boolean };
}

/** A PAUSE lifecycle hook with ECS's defaults filled in. */
export interface HookSettings {
  targetType: 'PAUSE';
  lifecycleStages: LifecycleStage[];
  timeoutInMinutes: number;
  action: 'ROLLBACK' | 'CONTINUE';
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
  /** That deployment's service revision. */
  lastCompletedRevision?: ServiceRevisionRecord;
  /** Container whose tag the task server reports; default the first. */
  serverContainer?: string;
  /** Whether tasks serve HTTP (the fleet gave the service a load balancer). */
  serves: boolean;
  /** Every service deployment, newest first. */
  serviceDeployments: ServiceDeploymentRecord[];
  /** Every service revision, oldest first. */
  revisions: ServiceRevisionRecord[];
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
