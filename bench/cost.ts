import type { CostRow, ScaleRun } from './result';

/** Step Functions Standard: per state transition. */
export const USD_PER_TRANSITION = 0.025 / 1000;
/** Lambda on arm64, per GB-second. */
export const USD_PER_GB_SECOND = 0.0000133334;

/** What one deployment costs at list prices (requests and free tiers left out). */
export function costOf(run: ScaleRun): CostRow {
  const stepFunctionsUsd = run.stateTransitions * USD_PER_TRANSITION;
  const lambdaUsd = run.lambdaGbSeconds * USD_PER_GB_SECOND;
  return {
    services: run.services,
    stateTransitions: run.stateTransitions,
    lambdaGbSeconds: run.lambdaGbSeconds,
    stepFunctionsUsd,
    lambdaUsd,
    totalUsd: stepFunctionsUsd + lambdaUsd,
  };
}
