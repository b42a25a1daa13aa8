import { pollIntervalForBakes } from '../../../lambdas/prepare/core';

/**
 * A blue/green, linear or canary service's phases last timeoutSeconds plus its bakes; a phase holds
 * at most 250 rounds. Prepare raises the poll interval so the longest phase fits, instead of letting
 * a healthy deployment expire at the round cap and roll back.
 */
const deployment = { timeoutSeconds: 600, pollIntervalSeconds: 15 };

describe('the poll interval for bake times', () => {
  it('stays as configured when every phase fits 250 rounds', () => {
    expect(pollIntervalForBakes(deployment, [{}, { deploymentConfiguration: { strategy: 'ROLLING' } }])).toBe(15);
    // BLUE_GREEN with a 10-minute bake: (600 + 600) / 250 = 4.8 s, under 15.
    expect(
      pollIntervalForBakes(deployment, [
        { deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 10 } },
      ]),
    ).toBe(15);
  });

  it('is raised for a linear deployment whose step bakes do not fit (9 steps × 6 min at 10 %)', () => {
    const linear = { strategy: 'LINEAR' as const, linearConfiguration: { stepPercent: 10, stepBakeTimeInMinutes: 6 } };
    // (600 + 9 × 360) / 250 = 15.36 → 16 s.
    expect(pollIntervalForBakes(deployment, [{}, { deploymentConfiguration: linear }])).toBe(16);
  });

  it('is raised for the longest of the services: a day-long blue/green bake', () => {
    const services = [
      { deploymentConfiguration: { strategy: 'CANARY' as const } },
      { deploymentConfiguration: { strategy: 'BLUE_GREEN' as const, bakeTimeInMinutes: 1440 } },
    ];
    // (600 + 86,400) / 250 = 348 s.
    expect(pollIntervalForBakes(deployment, services)).toBe(348);
  });

  it('is never lowered', () => {
    expect(pollIntervalForBakes({ timeoutSeconds: 600, pollIntervalSeconds: 60 }, [])).toBe(60);
  });
});
