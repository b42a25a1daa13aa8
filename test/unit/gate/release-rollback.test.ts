import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  ECSClient,
  type ServiceDeployment as EcsServiceDeployment,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { releaseRollback } from '../../../lambdas/gate/release-rollback';
import type { HeldRollback, Plan } from '../../../lambdas/shared/contracts/state';
import { makePlan, plannedService, REGION, taskDefinitionArn } from '../shared/round-fixtures';

const ecs = mockClient(ECSClient);
beforeEach(() => ecs.reset());
afterAll(() => ecs.restore());
const clients = { ecs: () => new ECSClient({ region: REGION }) };
const STAGE = 'POST_TEST_TRAFFIC_SHIFT';
const NOW = new Date('2026-11-30T10:00:00Z');
const ACCOUNT = '123456789012';

const deploymentArn = (name: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/prod/${name}/rb-${name}`;
const revisionArn = (name: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:service-revision/prod/${name}/rev-${name}`;
const serviceArn = (name: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:service/prod/${name}`;

function gatedPlan(names: string[]): Plan {
  const services = names.map((name) => plannedService(name, { strategy: 'BLUE_GREEN' }));
  return { ...makePlan(services), gate: { stage: STAGE, approval: 'none', bakeMinutes: 0, bakeSeconds: 0 } };
}

const held = (...names: string[]): HeldRollback[] =>
  names.map((name) => ({ name, serviceDeploymentArn: deploymentArn(name) }));

/** A rollback deployment of `name` to its revision 1 (the planned previous one), paused at the gate's hook. */
const pausedRollback = (name: string, overrides: Partial<EcsServiceDeployment> = {}): EcsServiceDeployment => ({
  serviceArn: serviceArn(name),
  status: 'IN_PROGRESS',
  lifecycleStage: STAGE,
  targetServiceRevision: { arn: revisionArn(name) },
  lifecycleHookDetails: [{ hookId: `hook-${name}`, targetType: 'PAUSE', status: 'AWAITING_ACTION' }],
  ...overrides,
});

/** ECS's answers: each deployment by the service name in its ARN; each revision runs `revisions[name]`. */
function ecsReports(deployments: Record<string, EcsServiceDeployment>, revisions: Record<string, string> = {}) {
  ecs
    .on(DescribeServiceDeploymentsCommand)
    .callsFake(({ serviceDeploymentArns }: { serviceDeploymentArns: string[] }) => ({
      serviceDeployments: serviceDeploymentArns.flatMap((arn) => {
        const d = deployments[arn.split('/')[2] ?? ''];
        return d ? [{ ...d, serviceDeploymentArn: arn }] : [];
      }),
    }));
  ecs.on(DescribeServiceRevisionsCommand).callsFake(({ serviceRevisionArns }: { serviceRevisionArns: string[] }) => ({
    serviceRevisions: serviceRevisionArns.map((arn) => {
      const name = arn.split('/')[2] ?? '';
      return { serviceRevisionArn: arn, taskDefinition: revisions[name] ?? taskDefinitionArn(name, 1) };
    }),
  }));
  ecs.on(ContinueServiceDeploymentCommand).resolves({});
}

describe('Release Rollback At Hooks', () => {
  it("continues gehen's own rollback deployments paused at a PAUSE hook, and is done with them", async () => {
    const plan = gatedPlan(['api', 'web']);
    ecsReports({ api: pausedRollback('api'), web: pausedRollback('web') });

    const round = await releaseRollback(
      { plan, deployed: [], expect: 'previous', round: null, heldRollbacks: held('api', 'web') },
      clients,
      () => NOW,
    );

    expect(round).toMatchObject({ status: 'done', done: 2, total: 2 });
    expect(ecs).toHaveReceivedCommandWith(ContinueServiceDeploymentCommand, {
      serviceDeploymentArn: deploymentArn('api'),
      hookId: 'hook-api',
      action: 'CONTINUE',
    });
    expect(ecs).toHaveReceivedCommandTimes(ContinueServiceDeploymentCommand, 2);
  });

  it('waits on the hook event for a rollback not paused yet, and leaves alone the services it did not put back', async () => {
    const plan = gatedPlan(['api', 'web', 'checkout']);
    ecsReports({ web: { ...pausedRollback('web'), lifecycleStage: 'SCALE_UP', lifecycleHookDetails: [] } });

    const round = await releaseRollback(
      { plan, deployed: [], expect: 'previous', round: null, heldRollbacks: held('web') },
      clients,
      () => NOW,
    );

    // api and checkout were rolled back by ECS (or not at all): the verify phase's, not this loop's.
    expect(round).toMatchObject({ status: 'waiting', total: 1, waiting: ['web'], pending: [1] });
    expect(ecs).not.toHaveReceivedCommand(ContinueServiceDeploymentCommand);
    // At the deadline, the round says where that rollback stopped.
    const late = new Date(Date.parse(round.deadline ?? '') + 1000);
    const expired = await releaseRollback(
      { plan, deployed: [], expect: 'previous', round, heldRollbacks: held('web') },
      clients,
      () => late,
    );
    expect(expired.status).toBe('expired');
    expect(expired.failures).toEqual([{ service: 'web', reason: expect.stringContaining('at SCALE_UP') }]);
  });

  it('is done with a rollback already past the gate (continued by an earlier run of the round)', async () => {
    const plan = gatedPlan(['api']);
    ecsReports({ api: { ...pausedRollback('api'), lifecycleStage: 'BAKE_TIME', lifecycleHookDetails: [] } });

    const round = await releaseRollback(
      { plan, deployed: [], expect: 'previous', round: null, heldRollbacks: held('api') },
      clients,
      () => NOW,
    );

    expect(round).toMatchObject({ status: 'done' });
    expect(ecs).not.toHaveReceivedCommand(ContinueServiceDeploymentCommand);
  });

  it('refuses to continue a paused deployment that does not put the planned previous revision back', async () => {
    const plan = gatedPlan(['api']);
    // A forged heldRollbacks entry: the deployment paused at the gate is the new version's.
    ecsReports({ api: pausedRollback('api') }, { api: taskDefinitionArn('api', 2) });

    const round = await releaseRollback(
      { plan, deployed: [], expect: 'previous', round: null, heldRollbacks: held('api') },
      clients,
      () => NOW,
    );

    expect(round.status).toBe('failed');
    expect(round.failures[0]?.reason).toContain(`refused to continue ${deploymentArn('api')}`);
    expect(ecs).not.toHaveReceivedCommand(ContinueServiceDeploymentCommand);
  });

  it("refuses a deployment of another service, even one to the planned revision's ARN", async () => {
    const plan = gatedPlan(['api']);
    ecsReports({ api: pausedRollback('api', { serviceArn: serviceArn('payments') }) });

    const round = await releaseRollback(
      { plan, deployed: [], expect: 'previous', round: null, heldRollbacks: held('api') },
      clients,
      () => NOW,
    );

    expect(round.status).toBe('failed');
    expect(ecs).not.toHaveReceivedCommand(ContinueServiceDeploymentCommand);
  });

  it('fails when ECS rolled the rollback back (its hook timed out), naming the deployment', async () => {
    const plan = gatedPlan(['api']);
    ecsReports({
      api: {
        ...pausedRollback('api'),
        status: 'ROLLBACK_SUCCESSFUL',
        lifecycleHookDetails: [{ hookId: 'hook-api', targetType: 'PAUSE', status: 'TIMED_OUT' }],
      },
    });

    const round = await releaseRollback(
      { plan, deployed: [], expect: 'previous', round: null, heldRollbacks: held('api') },
      clients,
      () => NOW,
    );

    expect(round.status).toBe('failed');
    expect(round.failures[0]?.reason).toMatch(/^its rollback deployment .*rb-api: rolled back by ECS/);
  });

  it('waits for a deployment ECS does not describe yet, and expires at the deadline', async () => {
    const plan = gatedPlan(['api']);
    ecsReports({});
    const input = { plan, deployed: [], expect: 'previous' as const, heldRollbacks: held('api') };

    const first = await releaseRollback({ ...input, round: null }, clients, () => NOW);
    expect(first).toMatchObject({ status: 'waiting', pending: [0] });
    const late = new Date(Date.parse(first.deadline ?? '') + 1000);
    const last = await releaseRollback({ ...input, round: first }, clients, () => late);
    expect(last.status).toBe('expired');
    expect(last.failures[0]?.reason).toContain('ECS does not describe');
  });
});
