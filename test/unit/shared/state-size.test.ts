import type { Plan, PlannedService } from '../../../lambdas/shared/contracts/state';
import { MAX_STATE_BYTES, stateSizeProblem, worstCaseStateBytes } from '../../../lambdas/shared/contracts/state-size';

const ACCOUNT = 'arn:aws:ecs:eu-central-1:123456789012';

function plan(count: number, nameLength: number, urlLength: number): Plan {
  const services: PlannedService[] = Array.from({ length: count }, (_, i) => {
    const name = `${String(i).padStart(3, '0')}${'s'.repeat(Math.max(0, nameLength - 3))}`;
    return {
      name,
      cluster: `${ACCOUNT}:cluster/production`,
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
    // Measured in bytes, not counted: short names fit in their hundreds, 200-character ones in tens.
    [250, 10, 30, true],
    [400, 10, 30, false],
    [150, 40, 60, true],
    [300, 60, 60, false],
    [60, 200, 300, true],
    [100, 200, 300, false],
    [300, 200, 300, false],
  ])('%i services, names of %i and urls of %i characters: fits %s', (count, name, url, fits) => {
    expect(stateSizeProblem(plan(count, name, url)) === null).toBe(fits);
  });

  it('grows with every byte of a name, whatever the count', () => {
    expect(worstCaseStateBytes(plan(10, 201, 0))).toBeGreaterThan(worstCaseStateBytes(plan(10, 200, 0)));
  });

  it('names the limit and the size', () => {
    const big = plan(300, 200, 300);
    expect(stateSizeProblem(big)).toContain(`can reach ${worstCaseStateBytes(big)} bytes`);
    expect(stateSizeProblem(big)).toContain(`allows ${MAX_STATE_BYTES} (256 KiB)`);
  });
});
