import type { Plan, PlannedService } from '../../../lambdas/shared/contracts';
import { MAX_STATE_BYTES, stateSizeProblem, worstCaseStateBytes } from '../../../lambdas/shared/state-size';

const ACCOUNT = 'arn:aws:ecs:eu-central-1:123456789012';

function plan(count: number, nameLength: number, urlLength: number): Plan {
  const services: PlannedService[] = Array.from({ length: count }, (_, i) => {
    const name = `${String(i).padStart(3, '0')}${'s'.repeat(Math.max(0, nameLength - 3))}`;
    return {
      name,
      cluster: `${ACCOUNT}:cluster/production`,
      serviceArn: `${ACCOUNT}:service/production/${name}`,
      region: 'eu-central-1',
      url: `https://${'u'.repeat(Math.max(0, urlLength - 8))}`,
      containers: null,
      previousTaskDefinition: `${ACCOUNT}:task-definition/${name}:41`,
      previousSha: '1111111',
    };
  });
  return {
    deployment: {
      gitsha: '2222222',
      updateStrategy: 'current',
      roleArn: null,
      timeoutSeconds: 600,
      pollIntervalSeconds: 15,
      requiredMatches: 3,
      executionArn: 'arn:aws:states:eu-central-1:123456789012:execution:gehen-deploy:x',
    },
    services,
    scheduledTasks: [],
  };
}

describe('stateSizeProblem', () => {
  test.each([
    // The fleets the 300-target cap was measured with fit; long names do not, whatever the count.
    [200, 10, 30, true],
    [100, 40, 60, true],
    [300, 60, 60, false],
    [300, 200, 300, false],
    [40, 200, 300, true],
  ])('%i services, names of %i and urls of %i characters: fits %s', (count, name, url, fits) => {
    expect(stateSizeProblem(plan(count, name, url)) === null).toBe(fits);
  });

  it('names the limit and the size', () => {
    const big = plan(300, 200, 300);
    expect(stateSizeProblem(big)).toContain(`can reach ${worstCaseStateBytes(big)} bytes`);
    expect(stateSizeProblem(big)).toContain(`allows ${MAX_STATE_BYTES} (256 KiB)`);
  });
});
