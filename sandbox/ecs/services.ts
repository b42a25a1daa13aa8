import type {
  CreateServiceCommandInput,
  DeleteServiceCommandInput,
  DeploymentCircuitBreaker,
  DeploymentLifecycleHook,
  DescribeServicesCommandInput,
  ListServicesCommandInput,
  UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import { SandboxAwsError } from '../aws-error';
import { HOOK_STAGES, NO_PAUSE_STAGES } from '../fleet';
import { ACCOUNT, nameOf, nowSeconds } from '../ids';
import { paginate } from '../pagination';
import {
  clientError,
  type EcsContext,
  findCluster,
  findService,
  findTaskDefinition,
  invalidParameter,
  serviceArn,
} from './context';
import type {
  CircuitBreakerSettings,
  DeploymentSettings,
  HookSettings,
  LifecycleStage,
  ServiceRecord,
  Strategy,
  TaskDefinitionRecord,
} from './model';
import { reconcile, startDeployment } from './rollout';
import { serviceView } from './views';

// CreateService fields ECS echoes back in the service description as they were given.
const ECHOED = [
  'launchType',
  'capacityProviderStrategy',
  'platformVersion',
  'networkConfiguration',
  'loadBalancers',
  'serviceRegistries',
  'healthCheckGracePeriodSeconds',
  'placementConstraints',
  'placementStrategy',
  'enableECSManagedTags',
  'propagateTags',
  'enableExecuteCommand',
] as const;

/** What the fleet adds to a CreateService call: HTTP serving and a steady start. */
export interface ServiceExtras {
  serves?: boolean;
  serverContainer?: string;
  /** Start the first tasks RUNNING at once. */
  immediate?: boolean;
  /** The pre-2021 ARN `service/<name>`. */
  shortArn?: boolean;
}

export function createService(ctx: EcsContext, input: CreateServiceCommandInput, extras: ServiceExtras = {}) {
  const cluster = findCluster(ctx.region, input.cluster);
  if (!input.serviceName || !/^[A-Za-z0-9_-]{1,255}$/.test(input.serviceName)) {
    throw invalidParameter('Service name must be up to 255 letters, numbers, hyphens, and underscores.');
  }
  const existing = findService(ctx.region, cluster, input.serviceName);
  if (existing && existing.status !== 'INACTIVE') throw invalidParameter('Creation of service was not idempotent.');
  const taskDefinition = activeTaskDefinition(ctx, input.taskDefinition);
  const echo: Record<string, unknown> = {};
  for (const key of ECHOED) if (input[key] !== undefined) echo[key] = input[key];
  if (echo.launchType === undefined && echo.capacityProviderStrategy === undefined) echo.launchType = 'FARGATE';
  const service: ServiceRecord = {
    arn: serviceArn(ctx.region.name, cluster.name, input.serviceName, extras.shortArn ?? false),
    name: input.serviceName,
    region: ctx.region.name,
    cluster,
    status: 'ACTIVE',
    desiredCount: input.desiredCount ?? 0,
    settings: settingsOf(input.deploymentConfiguration),
    deployments: [],
    tasks: [],
    events: [],
    serviceDeployments: [],
    revisions: [],
    serverContainer: extras.serverContainer,
    serves: extras.serves ?? false,
    echo,
    tags: input.tags ?? [],
    createdAt: nowSeconds(),
  };
  ctx.region.services.set(`${cluster.name}/${service.name}`, service);
  startDeployment(ctx.env, service, taskDefinition, { immediate: extras.immediate });
  return { service: serviceView(service, false) };
}

function describeServices(ctx: EcsContext, input: DescribeServicesCommandInput) {
  const names = input.services ?? [];
  if (names.length === 0) throw invalidParameter('Services cannot be empty.');
  if (names.length > 10) throw invalidParameter('service names can have at most 10 items.');
  const cluster = findCluster(ctx.region, input.cluster);
  const includeTags = input.include?.includes('TAGS') ?? false;
  const services = [];
  const failures = [];
  for (const name of names) {
    const service = findService(ctx.region, cluster, name);
    const stale = service?.stale && nowSeconds() < service.stale.until ? service.stale.view : undefined;
    if (stale) services.push(includeTags ? { ...stale, tags: service?.tags } : stale);
    else if (service) services.push(serviceView(service, includeTags));
    else
      failures.push({
        arn: `arn:aws:ecs:${ctx.region.name}:${ACCOUNT}:service/${cluster.name}/${nameOf(name)}`,
        reason: 'MISSING',
      });
  }
  return { services, failures };
}

function updateService(ctx: EcsContext, input: UpdateServiceCommandInput) {
  const service = activeService(ctx, input.cluster, input.service);
  if (input.deploymentConfiguration) service.settings = settingsOf(input.deploymentConfiguration, service.settings);
  if (input.desiredCount !== undefined) {
    if (input.desiredCount < 0) throw invalidParameter('desiredCount must be at least 0.');
    service.desiredCount = input.desiredCount;
    const primary = service.deployments[0];
    if (primary) primary.desiredCount = input.desiredCount;
  }
  const current = service.deployments[0]?.taskDefinition;
  const next = input.taskDefinition ? activeTaskDefinition(ctx, input.taskDefinition) : current;
  if (next && (next !== current || input.forceNewDeployment)) {
    // Reads lag writes: for consistencySeconds DescribeServices still answers the service as it was
    // (old task definition, no new deployment), as bugcrowd/ecs-deployment-monitor PR #2 met it.
    const lag = ctx.env.consistencySeconds ?? 0;
    if (lag > 0) service.stale = { view: serviceView(service, false), until: nowSeconds() + lag };
    startDeployment(ctx.env, service, next);
  } else {
    reconcile(ctx.env, service);
  }
  return { service: serviceView(service, false) };
}

function deleteService(ctx: EcsContext, input: DeleteServiceCommandInput) {
  const service = activeService(ctx, input.cluster, input.service);
  if (service.desiredCount > 0 && !input.force) {
    throw invalidParameter('The service cannot be stopped while it is scaled above 0.');
  }
  service.status = 'DRAINING';
  service.desiredCount = 0;
  reconcile(ctx.env, service);
  return { service: serviceView(service, false) };
}

function listServices(ctx: EcsContext, input: ListServicesCommandInput) {
  const cluster = findCluster(ctx.region, input.cluster);
  const arns = [...ctx.region.services.values()]
    .filter((s) => s.cluster === cluster && s.status !== 'INACTIVE')
    .map((s) => s.arn);
  const { page, nextToken } = paginate(arns, {
    limit: input.maxResults ?? 10,
    nextToken: input.nextToken,
    max: 100,
    errorType: 'InvalidParameterException',
  });
  return { serviceArns: page, nextToken };
}

function activeService(ctx: EcsContext, cluster: string | undefined, name: string | undefined): ServiceRecord {
  const found = findService(ctx.region, findCluster(ctx.region, cluster), name ?? '');
  if (!found) throw new SandboxAwsError('ServiceNotFoundException', 'Service not found.');
  if (found.status !== 'ACTIVE') throw new SandboxAwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
  return found;
}

function activeTaskDefinition(ctx: EcsContext, reference: string | undefined): TaskDefinitionRecord {
  const found = reference ? findTaskDefinition(ctx.region, reference, true) : undefined;
  const registered = reference ? findTaskDefinition(ctx.region, reference) : undefined;
  // A revision registered moments ago is not known yet (fleet.consistency.ecsSeconds); ECS's words
  // as aws/amazon-ecs-agent#1354 quotes them.
  if (!found && registered) throw clientError(`Invalid revision number. Number: ${registered.revision}`);
  if (!found) throw clientError('TaskDefinition not found.');
  if (found.status !== 'ACTIVE') throw clientError(`TaskDefinition is inactive: ${found.arn}`);
  return found;
}

type DeploymentConfigurationInput = NonNullable<CreateServiceCommandInput['deploymentConfiguration']>;

/**
 * ECS's DeploymentConfiguration with its defaults (API_DeploymentConfiguration.html); on
 * UpdateService, the keys not given keep the service's current settings.
 */
function settingsOf(input: DeploymentConfigurationInput | undefined, current?: DeploymentSettings): DeploymentSettings {
  const strategy = (input?.strategy ?? current?.strategy ?? 'ROLLING') as Strategy;
  if (!['ROLLING', 'BLUE_GREEN', 'LINEAR', 'CANARY'].includes(strategy)) {
    throw invalidParameter('strategy must be ROLLING, BLUE_GREEN, LINEAR or CANARY.');
  }
  const bakeTimeInMinutes = input?.bakeTimeInMinutes ?? current?.bakeTimeInMinutes;
  if (strategy === 'BLUE_GREEN' && bakeTimeInMinutes === undefined) {
    throw invalidParameter('bakeTimeInMinutes is required for the BLUE_GREEN deployment strategy.');
  }
  // Defaults from CanaryConfiguration and LinearConfiguration (API reference).
  const canary = input?.canaryConfiguration;
  const linear = input?.linearConfiguration;
  const alarms = input?.alarms;
  const settings: DeploymentSettings = {
    minimumHealthyPercent: input?.minimumHealthyPercent ?? current?.minimumHealthyPercent ?? 100,
    maximumPercent: input?.maximumPercent ?? current?.maximumPercent ?? 200,
    circuitBreaker: circuitBreakerOf(input?.deploymentCircuitBreaker ?? current?.circuitBreaker),
    strategy,
    bakeTimeInMinutes: bakeTimeInMinutes ?? 0,
    canary: {
      canaryPercent: canary?.canaryPercent ?? current?.canary.canaryPercent ?? 5,
      canaryBakeTimeInMinutes: canary?.canaryBakeTimeInMinutes ?? current?.canary.canaryBakeTimeInMinutes ?? 10,
    },
    linear: {
      stepPercent: linear?.stepPercent ?? current?.linear.stepPercent ?? 10,
      stepBakeTimeInMinutes: linear?.stepBakeTimeInMinutes ?? current?.linear.stepBakeTimeInMinutes ?? 6,
    },
    lifecycleHooks: input?.lifecycleHooks ? input.lifecycleHooks.map(hookOf) : (current?.lifecycleHooks ?? []),
    alarms: alarms
      ? { alarmNames: alarms.alarmNames ?? [], enable: alarms.enable ?? false, rollback: alarms.rollback ?? false }
      : current?.alarms,
  };
  const { minimumHealthyPercent, maximumPercent } = settings;
  if (maximumPercent < 100 || minimumHealthyPercent < 0 || minimumHealthyPercent > 100) {
    throw invalidParameter('maximumPercent must be at least 100 and minimumHealthyPercent between 0 and 100.');
  }
  if (settings.canary.canaryPercent < 0.1 || settings.canary.canaryPercent > 100) {
    throw invalidParameter('canaryPercent must be between 0.1 and 100.0.');
  }
  if (settings.linear.stepPercent < 3 || settings.linear.stepPercent > 100) {
    throw invalidParameter('stepPercent must be between 3.0 and 100.0.');
  }
  return settings;
}

/**
 * A lifecycle hook (API_DeploymentLifecycleHook.html): targetType defaults to AWS_LAMBDA, which the
 * sandbox does not run (it has no Lambda hook invocation), so only PAUSE hooks are accepted; PAUSE
 * hooks cannot be at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT; the timeout defaults to
 * 1440 minutes and ROLLBACK (DeploymentLifecycleHookTimeoutConfiguration).
 */
function hookOf(hook: DeploymentLifecycleHook): HookSettings {
  if ((hook.targetType ?? 'AWS_LAMBDA') !== 'PAUSE') {
    throw new SandboxAwsError(
      'UnsupportedFeatureException',
      'The sandbox runs PAUSE lifecycle hooks only: AWS_LAMBDA hooks are not modelled.',
    );
  }
  const stages = hook.lifecycleStages ?? [];
  if (stages.length === 0) throw invalidParameter('lifecycleStages must name at least one stage.');
  for (const stage of stages) {
    if (!(HOOK_STAGES as readonly string[]).includes(stage))
      throw invalidParameter(`Invalid lifecycle stage ${stage}.`);
    if (NO_PAUSE_STAGES.includes(stage)) {
      throw invalidParameter(
        'PAUSE hooks cannot be configured at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT stages.',
      );
    }
  }
  return {
    targetType: 'PAUSE',
    lifecycleStages: stages as LifecycleStage[],
    timeoutInMinutes: hook.timeoutConfiguration?.timeoutInMinutes ?? 1440,
    action: hook.timeoutConfiguration?.action ?? 'ROLLBACK',
  };
}

/**
 * ECS's DeploymentCircuitBreaker with its defaults: resetOnHealthyTask true, threshold
 * BOUNDED_PERCENT 50 (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html).
 */
function circuitBreakerOf(input: DeploymentCircuitBreaker | undefined): CircuitBreakerSettings {
  const threshold = input?.thresholdConfiguration;
  const type = threshold?.type ?? 'BOUNDED_PERCENT';
  const value = threshold?.value ?? 50;
  if (!['COUNT', 'BOUNDED_PERCENT', 'UNBOUNDED_PERCENT'].includes(type) || !Number.isInteger(value) || value < 0) {
    throw invalidParameter(
      'thresholdConfiguration needs a type of COUNT, BOUNDED_PERCENT or UNBOUNDED_PERCENT and a non-negative integer value.',
    );
  }
  return {
    enable: input?.enable ?? false,
    rollback: input?.rollback ?? false,
    resetOnHealthyTask: input?.resetOnHealthyTask ?? true,
    thresholdConfiguration: { type, value },
  };
}

export const serviceOperations = {
  CreateService: (ctx: EcsContext, input: CreateServiceCommandInput) => createService(ctx, input),
  DescribeServices: describeServices,
  UpdateService: updateService,
  DeleteService: deleteService,
  ListServices: listServices,
};
