import type { FleetInput } from '../../sandbox';
import { demoConfig, demoService, probedServices } from './fleets';
import { type E2e, startE2e } from './harness';

// gehen against the sandbox's realistic ECS: AWS's ALB timing (5 checks 30 s apart, 300 s
// deregistration delay, 60 s grace) at 1/100 of real time and ECS's token-bucket throttling.
// A 10-task service at maximumPercent 120 rolls in 5 batches (about 40 modelled minutes).
const fleet = (ecsSeconds: number): FleetInput => ({
  services: [
    demoService('api', {
      desiredCount: 10,
      listen: 0,
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 120 },
    }),
  ],
  timing: {
    scale: 0.01,
    taskStartSeconds: 20,
    healthCheckGracePeriodSeconds: 60,
    healthyThresholdCount: 5,
    healthCheckIntervalSeconds: 30,
    deregistrationDelaySeconds: 300,
  },
  consistency: { ecsSeconds },
  throttling: 'aws',
});

async function deploysTenTasks(e2e: E2e): Promise<void> {
  const path = e2e.config(demoConfig({ services: probedServices(e2e, ['api']) }));

  const { code, report } = await e2e.deploy('2222222', path);

  expect({ code, status: report.status, services: report.services.map((s) => s.reason) }).toEqual({
    code: 0,
    status: 'deployed',
    services: [null],
  });
  const service = await e2e.service('api');
  expect(service.deployments?.map((d) => [d.taskDefinition, d.rolloutState])).toEqual([
    [expect.stringMatching(/task-definition\/api:2$/), 'COMPLETED'],
  ]);
}

describe('gehen deploy against realistic ECS timing and throttling', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(fleet(0));
  });
  afterAll(() => e2e.close());

  it('deploys a 10-task service in batches and reports it deployed', () => deploysTenTasks(e2e), 240_000);
});

describe('gehen deploy when ECS reads lag writes by 2 s (consistency.ecsSeconds)', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e(fleet(2));
  });
  afterAll(() => e2e.close());

  // UpdateService right after RegisterTaskDefinition meets ECS's ClientException "Invalid
  // revision number. Number: 2" (a revision not yet replicated, aws/amazon-ecs-agent#1354):
  // Update Service retries it (issue 13 item 4).
  test(
    'deploys once the new revision is known (Update Service retries "Invalid revision number")',
    () => deploysTenTasks(e2e),
    240_000,
  );
});
