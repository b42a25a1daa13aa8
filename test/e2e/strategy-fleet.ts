import type { FleetInput } from '../../sandbox';
import { demoService, nightlyReport } from './fleets';

/**
 * The fleet of the ECS-native strategy suites (strategies.test.ts, strategies-rollback.test.ts): one
 * service per strategy, each but ROLLING with a test listener and an alarm ECS rolls back on, and
 * the nightly-report rule. The fleet keys mirror ECS's own names (sandbox/README.md).
 */

export type Strategy = 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY';

export const STRATEGY_NAMES: Record<Strategy, string> = {
  ROLLING: 'roll',
  BLUE_GREEN: 'blue',
  LINEAR: 'line',
  CANARY: 'bird',
};

/**
 * `shiftBakeMinutes`: LINEAR's step bake and CANARY's canary bake. gehen's verify phase waits them
 * out on top of timeoutMinutes, in real minutes whatever the sandbox's time scale (docs/steps.md,
 * "Bake time"; the unit tests of the verify rounds check that extension).
 */
export function strategiesFleet({ shiftBakeMinutes = 1 }: { shiftBakeMinutes?: number } = {}): FleetInput {
  const strategies: Record<Strategy, Record<string, unknown>> = {
    ROLLING: { strategy: 'ROLLING' },
    BLUE_GREEN: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 },
    LINEAR: {
      strategy: 'LINEAR',
      bakeTimeInMinutes: 1,
      linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: shiftBakeMinutes },
    },
    CANARY: {
      strategy: 'CANARY',
      bakeTimeInMinutes: 1,
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: shiftBakeMinutes },
    },
  };
  return {
    // ECS's bake times, ten thousand times faster.
    timing: { scale: 0.0001 },
    faults: { bad0000: 'crash', a1a1a1a: { alarm: 'HighErrorRate' } },
    services: (Object.keys(strategies) as Strategy[]).map((strategy) =>
      demoService(STRATEGY_NAMES[strategy], {
        desiredCount: 2,
        listen: 0,
        ...(strategy !== 'ROLLING' && { testListen: 0 }),
        deploymentConfiguration: {
          ...strategies[strategy],
          ...(strategy !== 'ROLLING' && { alarms: { alarmNames: ['HighErrorRate'], enable: true, rollback: true } }),
        },
      } as never),
    ),
    scheduledTasks: [nightlyReport],
  } as unknown as FleetInput;
}
