import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import type { Plan } from '../../lambdas/shared/contracts/state';
import { preparedPlan } from '../../lambdas/shared/execution-guard';
import type { FleetInput } from '../../sandbox';
import { type SandboxAssembly, sandboxAssembly } from '../../sandbox/gehen-sandbox';
import { circuitBreaker, demoConfig, demoService, ECR, FAST, nightlyReport } from './fleets';
import { type E2e, startE2e, taskDefinition } from './harness';

/**
 * Anyone with lambda:InvokeFunction can call a write step directly through Lambda's Invoke API
 * (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html). Each write step must refuse a
 * payload that is not a running execution's plan, and change nothing.
 */

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const TASK_DEFINITION = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition`;
const CLUSTER = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/demo`;

const fleet: FleetInput = {
  profile: 'realistic',
  // AWS's health-check and draining timing, a hundred times faster.
  timing: { ...FAST, scale: 0.01 },
  // What is under test is who may write, not ECS's read-after-write lag (realistic-ecs.test.ts).
  consistency: { ecsSeconds: 0 },
  services: [
    demoService('api', {
      desiredCount: 1,
      listen: 0,
      taskDefinition: taskDefinition('api', ['api', `${ECR}/api:1111111`]),
    }),
    demoService('worker', { circuitBreaker, listen: 0 }),
  ],
  scheduledTasks: [nightlyReport],
};

/** The sandbox's physical name of the step's function (its logical id starts with Deployer<Step>Function). */
function functionName(assembly: SandboxAssembly, step: string): string {
  const { template } = assembly;
  const logicalId = Object.keys(template.Resources).find(
    (id) => id.startsWith(`Deployer${step}Function`) && template.Resources[id]?.Type === 'AWS::Lambda::Function',
  );
  if (!logicalId) throw new Error(`no function for ${step}`);
  return `Gehen-${logicalId}`.slice(0, 64);
}

async function invoke(e2e: E2e, step: string, payload: unknown): Promise<{ error: string | null; body: unknown }> {
  const name = encodeURIComponent(functionName(assembly, step));
  const response = await fetch(`${e2e.sandbox.endpoint}/2015-03-31/functions/${name}/invocations`, {
    method: 'POST',
    body: JSON.stringify(payload),
  });
  return { error: response.headers.get('x-amz-function-error'), body: await response.json() };
}

function service(name: string, previous: string) {
  return {
    name,
    cluster: CLUSTER,
    serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/demo/${name}`,
    region: REGION,
    url: null,
    containers: null,
    previousTaskDefinition: previous,
    previousSha: '1111111',
  };
}

function deployment(executionArn: string, gitsha = '2222222') {
  return {
    gitsha,
    updateStrategy: 'current',
    roleArn: null,
    timeoutSeconds: 60,
    pollIntervalSeconds: 1,
    requiredMatches: 2,
    executionArn,
  };
}

const nightly = {
  rule: 'nightly-report',
  region: REGION,
  eventBusName: 'default',
  containers: null,
  targets: [{ id: 'report', previousTaskDefinition: `${TASK_DEFINITION}/report:1`, previousSha: '1111111' }],
};

/** Every write step, each with a payload naming `executionArn` that would change something. */
function forgedPayloads(executionArn: string, rollBackTo: string): Array<[string, unknown]> {
  const d = deployment(executionArn);
  return [
    ['RegisterTaskDefinition', { service: service('worker', `${TASK_DEFINITION}/worker:1`), deployment: d }],
    [
      'UpdateService',
      {
        service: service('worker', `${TASK_DEFINITION}/worker:1`),
        deployment: d,
        registration: { taskDefinition: `${TASK_DEFINITION}/api:1`, registered: true },
      },
    ],
    ['RollBack', { service: service('api', rollBackTo), deployment: d }],
    ['UpdateScheduledTask', { rule: nightly, deployment: d, mode: 'deploy' }],
    // The gate's writes: Continue Gate, and Release Rollback At Hooks (it continues deployments too).
    ...(['continue', 'release-rollback'] as const).map((action): [string, unknown] => [
      'Gate',
      {
        action,
        plan: {
          deployment: d,
          services: [service('api', rollBackTo)],
          scheduledTasks: [],
          gate: { stage: 'POST_TEST_TRAFFIC_SHIFT', approval: 'none', bakeMinutes: 0, bakeSeconds: 0 },
        },
        deployed: [],
        expect: 'previous',
        round: null,
        heldRollbacks: [
          { name: 'api', serviceDeploymentArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/demo/api/forged` },
        ],
      },
    ]),
  ];
}

const assembly = sandboxAssembly({});

describe('write steps invoked with a forged payload', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(fleet, { assembly });
  });
  afterAll(() => e2e.close());

  /** What a forged call could change: every service's revision and deployments, the rule's target, the revisions registered. */
  async function world() {
    return {
      api: (await e2e.service('api')).taskDefinition,
      worker: (await e2e.service('worker')).taskDefinition,
      deployments: (await e2e.service('worker')).deployments?.length,
      targets: await e2e.targets('nightly-report'),
      revisions: await e2e.revisions(),
    };
  }

  async function expectRefusedAndUnchanged(payloads: Array<[string, unknown]>, reason: RegExp) {
    const before = await world();
    // All at once: each refusal of an execution not found waits out the guard's retries (~4 s).
    const answers = await Promise.all(
      payloads.map(async ([step, payload]) => ({ step, ...(await invoke(e2e, step, payload)) })),
    );
    for (const { step, error, body } of answers) {
      expect({ step, error, body }).toEqual({
        step,
        error: 'Unhandled',
        body: expect.objectContaining({
          errorType: 'UnauthorizedInvocationError',
          errorMessage: expect.stringMatching(reason),
        }),
      });
    }
    expect(await world()).toEqual(before);
  }

  it('refuses an execution that does not exist, and changes nothing', async () => {
    expect(e2e.sandbox.fleet.iam).toBe(true);
    const arn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:gehen-deploy:forged`;
    await expectRefusedAndUnchanged(forgedPayloads(arn, `${TASK_DEFINITION}/api:1`), /no execution .* was found/);
  });

  it('refuses an execution of another state machine', async () => {
    const arn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:someone-elses:run`;
    await expectRefusedAndUnchanged(forgedPayloads(arn, `${TASK_DEFINITION}/api:1`), /is not an execution of/);
  });

  it('deploys for real, then refuses that finished execution', async () => {
    const path = e2e.config(demoConfig({ services: { api: {}, worker: {} }, scheduledTasks: ['nightly-report'] }));
    const { code, report } = await e2e.deploy('2222222', path);
    expect(report.error).toBeNull();
    expect(code).toBe(0);
    expect((await e2e.service('api')).taskDefinition).toBe(`${TASK_DEFINITION}/api:2`);
    await expectRefusedAndUnchanged(
      forgedPayloads(report.execution ?? '', `${TASK_DEFINITION}/api:1`),
      /is SUCCEEDED, not RUNNING/,
    );
  });

  it('refuses targets outside a running execution’s plan, which still rolls back for real', async () => {
    // api is probed at worker's load balancer, which never answers 3333333: the execution stays
    // RUNNING (verifying) until its timeout, then rolls api back through the guarded Roll Back.
    const path = e2e.config(
      demoConfig({
        services: { api: { url: `${e2e.sandbox.loadBalancers.worker}/` } },
        timeoutMinutes: 0.5,
      }),
    );
    const run = e2e.deploy('3333333', path);
    const { arn, plan } = await runningPlan(e2e, '3333333');
    const payloads = forgedPayloads(arn, `${TASK_DEFINITION}/api:1`).map(([step, payload]): [string, unknown] => {
      const forged = payload as { plan?: object };
      return [
        step,
        forged.plan
          ? { ...forged, plan: { ...forged.plan, deployment: plan.deployment } }
          : { ...forged, deployment: plan.deployment },
      ];
    });
    // worker and nightly-report are not in the config; api's recorded previous revision is api:2,
    // not api:1; the execution holds no gate.
    await expectRefusedAndUnchanged(
      payloads,
      /not in execution .*config|not as execution .* plan recorded it|gate is not execution/,
    );
    // A planned service with a task definition of another family.
    const api = plan.services[0];
    await expectRefusedAndUnchanged(
      [
        [
          'UpdateService',
          {
            service: api,
            deployment: plan.deployment,
            registration: { taskDefinition: `${TASK_DEFINITION}/worker:1`, registered: true },
          },
        ],
      ],
      /is not of family api/,
    );
    const { code, report } = await run;
    expect({ code, status: report.status }).toEqual({ code: 1, status: 'rolled-back' });
    expect((await e2e.service('api')).taskDefinition).toBe(`${TASK_DEFINITION}/api:2`);
  });
});

/** The running execution deploying `gitsha` and Prepare's plan, once Prepare has recorded it. */
async function runningPlan(e2e: E2e, gitsha: string): Promise<{ arn: string; plan: Plan }> {
  for (;;) {
    const { executions = [] } = await e2e.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: e2e.sandbox.stateMachineArn, statusFilter: 'RUNNING' }),
    );
    const arn = executions.find((e) => e.name?.startsWith(`${gitsha}-`))?.executionArn;
    if (arn) {
      const plan = preparedPlan(await e2e.history(arn));
      if (plan) return { arn, plan };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
