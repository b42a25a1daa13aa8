import type { FleetInput } from '../../sandbox';
import { type SandboxAssembly, sandboxAssembly } from '../../sandbox/gehen-sandbox';
import type { PolicyStatement } from '../../sandbox/iam/policy';
import { circuitBreaker, demoConfig, demoService, ECR, nightlyReport } from './fleets';
import { type E2e, startE2e, taskDefinition } from './harness';

/**
 * The sandbox's IAM model (on by default under `profile: realistic`) against the synthesized
 * template's real policies: a deploy passes with them, and fails loudly when one is missing.
 */

const ACCOUNT = '000000000000';

/** api serves HTTP and passes a task role and an execution role (RegisterTaskDefinition checks iam:PassRole). */
function realisticFleet(extra: Partial<FleetInput> = {}): FleetInput {
  return {
    profile: 'realistic',
    // AWS's health-check and deregistration timing, a hundred times faster.
    timing: { scale: 0.01 },
    faults: { bad0000: 'crash' },
    services: [
      demoService('api', {
        desiredCount: 2,
        listen: 0,
        taskDefinition: {
          ...taskDefinition('api', ['api', `${ECR}/api:1111111`]),
          taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/api-task`,
          executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
        },
      }),
      demoService('worker', { circuitBreaker }),
    ],
    scheduledTasks: [nightlyReport],
    ...extra,
  };
}

function config(e2e: E2e, services = ['api', 'worker']): string {
  return e2e.config(
    demoConfig({
      services: Object.fromEntries(
        services.map((name) => [name, name === 'api' ? { url: `${e2e.sandbox.loadBalancers.api}/` } : {}]),
      ),
      scheduledTasks: ['nightly-report'],
    }),
  );
}

/** Every Lambda failure cause in an execution's history. */
async function lambdaCauses(e2e: E2e, executionArn: string): Promise<string[]> {
  const history = await e2e.history(executionArn);
  return history.flatMap((event) => {
    const cause = event.lambdaFunctionFailedEventDetails?.cause;
    return cause === undefined ? [] : [cause];
  });
}

describe('a realistic deploy with the template’s real IAM policies', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(realisticFleet());
  });
  afterAll(() => e2e.close());

  it('deploys every service and the scheduled task: no step is denied', async () => {
    expect(e2e.sandbox.fleet.iam).toBe(true);
    const { code, report } = await e2e.deploy('2222222', config(e2e));
    expect(report.error).toBeNull();
    expect(code).toBe(0);
    expect(report.status).toBe('deployed');
    expect((await e2e.service('api')).taskDefinition).toMatch(/task-definition\/api:2$/);
    expect(await e2e.targets('nightly-report')).toEqual([
      { id: 'report', taskDefinition: expect.stringMatching(/task-definition\/report:2$/) },
    ]);
    const calls = await e2e.calls();
    expect(calls['ecs:UpdateService']).toBeGreaterThanOrEqual(2);
    expect(calls['events:PutTargets']).toBeGreaterThanOrEqual(1);
  });

  it('rolls a crashing image back: the rollback steps are not denied either', async () => {
    const { code, report } = await e2e.deploy('bad0000', config(e2e));
    // The whole report on a mismatch: its error says which phase ended the run.
    expect({ exit: code, ...report }).toMatchObject({ exit: 1, status: 'rolled-back' });
    expect((await lambdaCauses(e2e, report.execution ?? '')).join('\n')).not.toMatch(/AccessDenied/);
    expect((await e2e.service('api')).taskDefinition).toMatch(/task-definition\/api:2$/);
  });
});

/** The synthesized assembly with `action` taken out of every statement of the role whose logical id starts with `rolePrefix`. */
function withoutAction(assembly: SandboxAssembly, rolePrefix: string, action: string): SandboxAssembly {
  const template = structuredClone(assembly.template);
  let removed = 0;
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles = (resource.Properties?.Roles ?? []) as Array<{ Ref?: string }>;
    if (!roles.some((role) => role.Ref?.startsWith(rolePrefix))) continue;
    const document = resource.Properties?.PolicyDocument as { Statement: PolicyStatement[] };
    document.Statement = document.Statement.flatMap((statement) => {
      const actions = [statement.Action ?? []].flat();
      if (!actions.includes(action)) return [statement];
      removed++;
      const rest = actions.filter((a) => a !== action);
      return rest.length === 0 ? [] : [{ ...statement, Action: rest }];
    });
  }
  if (removed === 0) throw new Error(`no statement of ${rolePrefix}* grants ${action}`);
  return { ...assembly, template };
}

describe('the app synthesized without ecs:UpdateService for the Update Service step', () => {
  let e2e: E2e;
  beforeAll(async () => {
    const assembly = withoutAction(sandboxAssembly({}), 'DeployerUpdateServiceRole', 'ecs:UpdateService');
    e2e = await startE2e(realisticFleet(), { assembly });
  });
  afterAll(() => e2e.close());

  it('fails the deploy with AccessDeniedException naming ecs:UpdateService, and changes no service', async () => {
    const { code, report } = await e2e.deploy('2222222', config(e2e));
    expect(code).toBe(1);
    expect(report.status).not.toBe('deployed');
    const causes = await lambdaCauses(e2e, report.execution ?? '');
    expect(causes.join('\n')).toMatch(
      /AccessDeniedException.*User: arn:aws:sts::000000000000:assumed-role\/DeployerUpdateServiceRole\w+\/Gehen-DeployerUpdateServiceFunction\w+ is not authorized to perform: ecs:UpdateService on resource: arn:aws:ecs:us-east-1:000000000000:service\/demo\/(api|worker) because no identity-based policy allows the ecs:UpdateService action/,
    );
    for (const name of ['api', 'worker']) {
      const service = await e2e.service(name);
      expect(service.taskDefinition).toMatch(new RegExp(`task-definition/${name}:1$`));
      expect(service.deployments).toHaveLength(1);
    }
  });

  it('passes the same deploy with `iam: off`, so the denial is IAM’s', async () => {
    await e2e.close();
    const assembly = withoutAction(sandboxAssembly({}), 'DeployerUpdateServiceRole', 'ecs:UpdateService');
    e2e = await startE2e(realisticFleet({ iam: 'off' }), { assembly });
    const { code, report } = await e2e.deploy('2222222', config(e2e));
    expect(report.error).toBeNull();
    expect(code).toBe(0);
  });
});

describe('a service with a short ARN (service/<name>)', () => {
  let e2e: E2e;
  beforeAll(async () => {
    const fleet = realisticFleet();
    fleet.services = [...(fleet.services ?? []), demoService('legacy', { shortArn: true })];
    e2e = await startE2e(fleet);
  });
  afterAll(() => e2e?.close());

  // gehen grants ecs:DescribeServices and ecs:UpdateService on service/*/*, which a short ARN never
  // matches (AWS-FACTS: ARNs and IAM resources), so every step touching the service is denied.
  it('deploys it with the template’s policies (gehen grants service/*, which short ARNs match)', async () => {
    const { code, report } = await e2e.deploy('2222222', config(e2e, ['api', 'legacy']));
    expect(report.error).toBeNull();
    expect(code).toBe(0);
    expect((await e2e.service('legacy')).taskDefinition).toMatch(/task-definition\/legacy:2$/);
  });
});
