import {
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
  type ListTasksCommandOutput,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import type { AwsClients } from '../shared/aws/clients';
import { lookupKey } from '../shared/aws/describe-services';
import { shortTaskDefinition } from '../shared/aws/ecs-names';
import { wrapAwsError } from '../shared/contracts/errors';
import type { RoundInput, RoundState } from '../shared/contracts/state';
import { bakeAllowance, explainEcsRollbacks, readRound, readsServiceDeployment } from '../shared/verify/ecs-reads';
import {
  deploymentFailure,
  type ExpectedService,
  expectedServices,
  notFound,
  phaseDeadline,
  primaryDeployment,
  primaryRunsExpected,
  summarizeRound,
  type Verdict,
} from '../shared/verify/round';
import { serviceDeploymentNotFound, serviceDeploymentVerdict } from '../shared/verify/service-deployment-verdict';
import { failureThreshold, healthCheckStops, reportsHealthFailures } from './health-failures';

export interface CheckDrainDeps {
  clients: Pick<AwsClients, 'ecs'>;
  now: () => Date;
}

/** DescribeTasks accepts at most 100 tasks per call. */
const DESCRIBE_TASKS_BATCH = 100;

interface TaskInspection {
  service: string;
  state: 'inspect-tasks';
  /** The ECS service name, which ListTasks wants. */
  serviceName: string;
  region: string;
  cluster: string;
  taskDefinition: string;
  /** The PRIMARY deployment: its tasks' startedBy, and when it began. */
  deploymentId: string | undefined;
  createdAt: Date | undefined;
  /** Health-check failures of the deployment that fail the rollout (failureThreshold). */
  threshold: number;
  /** The service's events report failed health checks: read the stopped tasks too, to count them. */
  readStopped: boolean;
}

type Decision = Verdict | TaskInspection;

/**
 * Check Drain (and Check Rollback Drain): one poll round for every service. Deployment data from
 * the batched DescribeServices decides almost every service; tasks are listed only for the few
 * it cannot decide, which keeps a round at a fraction of an ECS read call per service.
 */
export async function checkDrain(input: RoundInput, deps: CheckDrainDeps): Promise<RoundState> {
  const { deployment } = input.plan;
  const expected = expectedServices(input, deps.now());
  const ecs = (region: string) => deps.clients.ecs(region);
  const reads = await readRound(ecs, expected);
  const bakeSeconds = input.round
    ? (input.round.bakeSeconds ?? 0)
    : bakeAllowance(expected, reads, 'drain', deployment);
  const deadline = phaseDeadline(input.round, deps.now(), deployment.timeoutSeconds, bakeSeconds);

  const decisions = expected.map((s): Decision => {
    if (readsServiceDeployment(s)) {
      const found = reads.deployments.found.get(s.serviceDeploymentArn);
      return found
        ? serviceDeploymentVerdict(s, found, 'drain')
        : serviceDeploymentNotFound(s, reads.deployments.failures.get(s.serviceDeploymentArn));
    }
    const service = reads.services.found.get(lookupKey(s.lookup));
    return service ? decide(s, service) : notFound(s, reads.services);
  });

  const inspections = decisions.filter((d): d is TaskInspection => d.state === 'inspect-tasks');
  const tasks = inspections.length > 0 ? await inspectTasks(ecs, inspections) : new Map<string, Task[]>();
  const verdicts = await explainEcsRollbacks(
    ecs,
    expected,
    decisions.map(
      (decision): Verdict =>
        decision.state === 'inspect-tasks' ? judgeTasks(decision, tasks.get(decision.service) ?? []) : decision,
    ),
  );
  const round = summarizeRound(verdicts, input.round, deadline, deps.now());
  // What Park Wait waits on: the services still waiting, as positions (docs/design.md, State size budget).
  const pending = round.status === 'waiting' ? verdicts.flatMap((v, i) => (v.state === 'waiting' ? [i] : [])) : [];
  return { ...round, ...(bakeSeconds > 0 && { bakeSeconds }), ...(pending.length > 0 && { pending }) };
}

/** A struggling rollout fails on an UNHEALTHY task, or on `threshold` tasks stopped by failed health checks. */
function judgeTasks(inspection: TaskInspection, tasks: readonly Task[]): Verdict {
  const { service, taskDefinition } = inspection;
  const revision = shortTaskDefinition(taskDefinition);
  const unhealthy = tasks.find(
    (t) => t.taskDefinitionArn === taskDefinition && t.desiredStatus !== 'STOPPED' && t.healthStatus === 'UNHEALTHY',
  );
  if (unhealthy) {
    return { service, state: 'failed', reason: `task ${unhealthy.taskArn ?? ''} of ${taskDefinition} is UNHEALTHY` };
  }
  const stops = healthCheckStops(tasks, {
    id: inspection.deploymentId,
    taskDefinition,
    createdAt: inspection.createdAt,
  });
  if (stops.length < inspection.threshold) return { service, state: 'waiting' };
  return {
    service,
    state: 'failed',
    reason: `${stops.length} tasks of ${revision} failed health checks (threshold ${inspection.threshold}; ECS resets its circuit breaker's count whenever a task runs healthy), such as: ${
      stops[0]?.stoppedReason ?? 'no reason given'
    }`,
  };
}

/**
 * Drained: the PRIMARY deployment runs the expected revision at its desired count, its rollout
 * COMPLETED (where ECS reports one), and no other deployment still runs a task.
 */
export function decide(expected: ExpectedService, service: Service): Decision {
  const name = expected.name;
  const failure = deploymentFailure(expected, service);
  if (failure) return { service: name, state: 'failed', reason: failure, ecs: true };
  const primary = primaryDeployment(service);
  if (!primaryRunsExpected(expected, primary)) return { service: name, state: 'waiting' };
  const running = primary.runningCount ?? 0;
  const desired = primary.desiredCount ?? 0;
  const others = (service.deployments ?? []).filter((d) => d !== primary);
  const rolloutDone = primary.rolloutState === undefined || primary.rolloutState === 'COMPLETED';
  if (running === desired && rolloutDone && others.every((d) => (d.runningCount ?? 0) === 0)) {
    return { service: name, state: 'done' };
  }
  // Tasks are read (ListTasks + DescribeTasks) only for a rollout that is struggling: IN_PROGRESS
  // with failedTasks > 0, or short of tasks with no rollout state to say why. A trade-off, on
  // purpose: a round must stay near 0.3 ECS reads per service (DescribeServices, 10 a call), and
  // ECS itself stops and replaces a task its health check finds UNHEALTHY, counting it in
  // failedTasks — so an unhealthy new task shows up here first. What this misses: a task that is
  // UNHEALTHY while ECS has not yet replaced it (failedTasks still 0) keeps the service waiting a
  // round or more; the circuit breaker (FAILED) or the phase deadline still ends it.
  // failedTasks alone misses a rollout whose tasks keep failing: ECS resets it to 0 whenever one
  // task runs healthy. The service's events (free with DescribeServices) still say so, and only
  // then are the stopped tasks read, to count the failures.
  const healthFailures = primary.rolloutState === 'IN_PROGRESS' && reportsHealthFailures(service, primary.createdAt);
  const struggling =
    (primary.rolloutState === 'IN_PROGRESS' && ((primary.failedTasks ?? 0) > 0 || healthFailures)) ||
    (primary.rolloutState === undefined && running < desired);
  if (struggling && primary.taskDefinition) {
    return {
      service: name,
      state: 'inspect-tasks',
      serviceName: service.serviceName ?? name,
      region: expected.lookup.region,
      cluster: expected.lookup.cluster,
      taskDefinition: primary.taskDefinition,
      deploymentId: primary.id,
      createdAt: primary.createdAt,
      threshold: failureThreshold(desired, service.deploymentConfiguration?.deploymentCircuitBreaker),
      readStopped: healthFailures,
    };
  }
  return { service: name, state: 'waiting' };
}

/**
 * Stopped tasks read per struggling service and round (three ListTasks pages): enough for the
 * largest threshold (200) with room, and a bounded cost however long ECS has been replacing
 * tasks (ECS keeps stopped tasks listed for at least an hour).
 */
const MAX_STOPPED_TASKS = 300;

/** The RUNNING and the recently STOPPED tasks of each service, keyed by service name. */
async function inspectTasks(
  ecs: (region: string) => ECSClient,
  inspections: readonly TaskInspection[],
): Promise<Map<string, Task[]>> {
  const owner = new Map<string, string>();
  const byCluster = new Map<string, { region: string; cluster: string; arns: string[] }>();
  await Promise.all(
    inspections.map(async ({ service, serviceName, region, cluster, readStopped }) => {
      const [running, stopped] = await Promise.all([
        listTaskArns(ecs(region), cluster, serviceName, 'RUNNING'),
        readStopped ? listTaskArns(ecs(region), cluster, serviceName, 'STOPPED', MAX_STOPPED_TASKS) : [],
      ]);
      const arns = [...running, ...stopped];
      const key = `${region}|${cluster}`;
      const group = byCluster.get(key) ?? { region, cluster, arns: [] };
      for (const arn of arns) owner.set(arn, service);
      group.arns.push(...arns);
      byCluster.set(key, group);
    }),
  );

  const tasks = new Map<string, Task[]>();
  const calls: Promise<void>[] = [];
  // Tasks of several services in one cluster share DescribeTasks calls; an empty list makes none.
  for (const { region, cluster, arns } of byCluster.values()) {
    for (let start = 0; start < arns.length; start += DESCRIBE_TASKS_BATCH) {
      const batch = arns.slice(start, start + DESCRIBE_TASKS_BATCH);
      calls.push(
        (async () => {
          let described: Task[];
          try {
            described = (await ecs(region).send(new DescribeTasksCommand({ cluster, tasks: batch }))).tasks ?? [];
          } catch (error) {
            throw wrapAwsError(`describe tasks in cluster ${cluster}`, error);
          }
          for (const task of described) {
            const name = task.taskArn ? owner.get(task.taskArn) : undefined;
            if (name) tasks.set(name, [...(tasks.get(name) ?? []), task]);
          }
        })(),
      );
    }
  }
  await Promise.all(calls);
  return tasks;
}

async function listTaskArns(
  client: ECSClient,
  cluster: string,
  serviceName: string,
  desiredStatus: 'RUNNING' | 'STOPPED',
  limit = Number.POSITIVE_INFINITY,
): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    let page: ListTasksCommandOutput;
    try {
      page = await client.send(
        new ListTasksCommand({ cluster, serviceName, desiredStatus, maxResults: 100, nextToken }),
      );
    } catch (error) {
      throw wrapAwsError(`list ${desiredStatus} tasks of service ${serviceName} in cluster ${cluster}`, error);
    }
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken && arns.length < limit);
  return arns.slice(0, limit);
}
