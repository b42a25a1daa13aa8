import type { Plan } from './contracts';

/**
 * Step Functions refuses any state input or output over 256 KiB, uncatchably
 * (States.DataLimitExceeded): the execution fails wherever it is, mid-rollback included.
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
export const MAX_STATE_BYTES = 262_144;

/** A cause Step Functions keeps at most this long (an error at $.error, or at $.deployFailure). */
const MAX_CAUSE_BYTES = 32_768;
/** A round's failures (at most 20, reasons ≤ 300 characters) and 10 waiting names, as round.ts bounds them. */
const ROUND_FAILURES = 20;
const REASON_BYTES = 300;
/** The digits of a revision number gehen registers (`:1234567`) and JSON punctuation per entry. */
const REVISION_BYTES = 8;
const ENTRY_OVERHEAD = 96;

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/**
 * The largest state this plan can make: the plan, plus every per-service and per-rule result the
 * deploy and the rollback add to it (deployed, scheduled, a round confirming every service, the
 * rollback's results), plus an error cause at its longest. A count of targets says nothing when
 * names are 200 characters long; this is measured in bytes.
 */
export function worstCaseStateBytes(plan: Plan): number {
  const longestName = Math.max(0, ...plan.services.map((s) => s.name.length));
  const perService = plan.services.reduce(
    (sum, s) =>
      sum +
      // deployed: { name, cluster, taskDefinition, updated }
      s.name.length +
      s.cluster.length +
      s.previousTaskDefinition.length +
      REVISION_BYTES +
      ENTRY_OVERHEAD +
      // the rollback's result: { name, taskDefinition, rolledBack, restored } (reasons: see docs/design.md)
      s.name.length +
      s.previousTaskDefinition.length +
      REASON_BYTES +
      ENTRY_OVERHEAD +
      // round.confirmed
      s.name.length +
      3,
    0,
  );
  const perRule = plan.scheduledTasks.reduce(
    (sum, r) =>
      sum +
      // scheduled and scheduledRollback: each target's id and both revisions, twice
      2 *
        (r.rule.length +
          ENTRY_OVERHEAD +
          r.targets.reduce(
            (t, x) => t + x.id.length + 2 * x.previousTaskDefinition.length + REVISION_BYTES + ENTRY_OVERHEAD,
            0,
          )),
    0,
  );
  const round = ROUND_FAILURES * (longestName + REASON_BYTES + ENTRY_OVERHEAD) + 10 * (longestName + 3);
  return bytes(plan) + perService + perRule + round + MAX_CAUSE_BYTES;
}

/** A problem naming the limit and the size when the plan's worst case does not fit; else null. */
export function stateSizeProblem(plan: Plan): string | null {
  const worst = worstCaseStateBytes(plan);
  if (worst <= MAX_STATE_BYTES) return null;
  return `the deployment's state can reach ${worst} bytes (${plan.services.length} services, ${plan.scheduledTasks.length} scheduled tasks); Step Functions allows ${MAX_STATE_BYTES} (256 KiB) per state: split them across gehen.yml files or shorten their names`;
}
