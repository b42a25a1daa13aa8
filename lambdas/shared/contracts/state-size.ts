import { buildDeploymentReport } from '../report/deployment-report';
import { MAX_MESSAGE_CHARS, MAX_REASON_CHARS, reasonChars } from '../report/rollback-summary';
import type { NotRestored, Plan, PlannedService, RollbackResult, RoundState, ServiceDeployment } from './state';

/**
 * Step Functions refuses any state input or output, and any Task's effective input or result,
 * over 256 KiB of UTF-8 JSON, uncatchably (States.DataLimitExceeded): the execution fails
 * wherever it is, mid-rollback included.
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_TaskScheduledEventDetails.html
 */
export const MAX_STATE_BYTES = 262_144;

/**
 * An error's Cause is kept to 32,768 characters; as JSON text it grows by its escapes (a Lambda
 * cause is itself JSON: every quote is escaped). One eighth more is allowed for them.
 */
const CAUSE_BYTES = 32_768 + 4_096;
/** What verify/round.ts bounds: failures and waiting names per round. */
const ROUND_FAILURES = 20;
const ROUND_WAITING = 10;
/** The highest revision ECS registers is 1,000,000 per family: seven digits. */
const NEW_REVISION = ':9999999';
/** Top-level keys, `expect`, `rollbackOutcome`, Summarise Rollback's outcome and JSON punctuation. */
const STATE_OVERHEAD = 1_024;

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
const chars = (n: number) => 'x'.repeat(n);
const newRevision = (taskDefinition: string) => taskDefinition.replace(/:\d+$/, '') + NEW_REVISION;

/**
 * The largest state this plan can make, in bytes. The plan, `deployed` and `scheduled` are
 * carried from Deploy Services to the end; on top of them each stretch of the workflow adds its
 * own, and this is the largest of those stretches (docs/design.md, State size budget):
 *
 * - a deploy round: the round at its bounds, and an error (a Catch's, at $.error);
 * - Report Deployment's output, the report (no plan in it, but two revisions a service);
 * - Roll Back Services' output: why the deploy failed, and a result per service;
 * - the rollback's end: why the deploy failed, what was not restored (moved into Summarise
 *   Rollback's result, beside Rollback Failed's message), the rules' rollback, the last round and
 *   a second error.
 *
 * Every per-service and per-rule result is counted at its longest (every service not restored,
 * its reason at the length the shared budget allows: report/rollback-summary.ts). A count of targets says nothing when names are 200
 * characters long; this is measured in bytes.
 */
export function worstCaseStateBytes(plan: Plan): number {
  const services = plan.services;
  const deployed: ServiceDeployment[] = services.map((s) => ({
    name: s.name,
    taskDefinition: newRevision(s.previousTaskDefinition),
    updated: false,
  }));
  const scheduled = plan.scheduledTasks.map((r) => ({
    rule: r.rule,
    targets: r.targets.map((t) => ({
      id: t.id,
      previousTaskDefinition: t.previousTaskDefinition,
      taskDefinition: newRevision(t.previousTaskDefinition),
      changed: false,
    })),
  }));
  const carried = bytes(plan) + bytes(deployed) + bytes(scheduled);
  const error = bytes({ Error: chars(256), Cause: chars(CAUSE_BYTES) });
  const round = bytes(worstRound(services));
  const deployFailure = Math.max(error, round);

  const report = bytes(
    buildDeploymentReport(
      { plan, deployed, scheduled, executionArn: chars(256) },
      { status: 'rolled-back', exitCode: 1 },
    ),
  );
  const rollbackResults = bytes(
    services.map(
      (s): RollbackResult => ({
        name: s.name,
        taskDefinition: newRevision(s.previousTaskDefinition),
        rolledBack: false,
        restored: false,
        reason: chars(reasonChars(services.length)),
      }),
    ),
  );
  const notRestored = bytes(notRestoredAtWorst(plan));
  const scheduledRollback = bytes(scheduled.map((r) => ({ ...r, restored: false, reason: chars(MAX_REASON_CHARS) })));
  // Summarise Rollback's message is cut (report/rollback-summary.ts); ECS and EventBridge names are
  // ASCII, and one eighth more is allowed for escapes. Summarise moves `notRestored`: one copy.
  const message = MAX_MESSAGE_CHARS + MAX_MESSAGE_CHARS / 8;
  const rollbackEnd = deployFailure + notRestored + message + scheduledRollback + round + error;

  return (
    STATE_OVERHEAD +
    Math.max(carried + round + error, report, carried + deployFailure + rollbackResults, carried + rollbackEnd)
  );
}

/**
 * A round at its bounds: every service confirmed, 10 waiting and 20 failed at the longest names.
 * A gate round splits the positions between `confirmed` (paused) and `pending` (not paused yet):
 * every one confirmed and one more pending covers it, and a drain round's `pending` alone.
 */
function worstRound(services: readonly PlannedService[]): RoundState {
  const longest = services.reduce((name, s) => (s.name.length > name.length ? s.name : name), '');
  return {
    status: 'expired',
    round: 99_999,
    deadline: new Date(0).toISOString(),
    done: services.length,
    total: services.length,
    waiting: Array.from({ length: Math.min(ROUND_WAITING, services.length) }, () => longest),
    failures: Array.from({ length: Math.min(ROUND_FAILURES, services.length) }, () => ({
      service: longest,
      reason: chars(MAX_REASON_CHARS),
    })),
    confirmed: services.map((_, i) => i),
    pending: [Math.max(0, services.length - 1)],
  };
}

/** Every service and rule not restored, each with the longest reason. */
function notRestoredAtWorst(plan: Plan): NotRestored[] {
  return [
    ...plan.services.map(
      (s): NotRestored => ({
        kind: 'service',
        name: s.name,
        taskDefinition: newRevision(s.previousTaskDefinition),
        reason: chars(reasonChars(plan.services.length)),
      }),
    ),
    ...plan.scheduledTasks.map(
      (r): NotRestored => ({
        kind: 'scheduled-task',
        name: r.rule,
        taskDefinition: r.targets.map((t) => `${t.id} runs ${newRevision(t.previousTaskDefinition)}`).join(', '),
        reason: chars(MAX_REASON_CHARS),
      }),
    ),
  ];
}

/** A problem naming the limit and the size when the plan's worst case does not fit; else null. */
export function stateSizeProblem(plan: Plan): string | null {
  const worst = worstCaseStateBytes(plan);
  if (worst <= MAX_STATE_BYTES) return null;
  return `the deployment's state can reach ${worst} bytes (${plan.services.length} services, ${plan.scheduledTasks.length} scheduled tasks); Step Functions allows ${MAX_STATE_BYTES} (256 KiB) per state: split them across gehen.yml files or shorten their names`;
}
