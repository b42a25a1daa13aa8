import { BIG_CONFIG_COMMAND } from './big-config';
import type { BenchResult, TargetCheck } from './result';

export const TARGETS = {
  readCallsPerServicePerRound: 0.3,
  rollbackHistoryEvents: 12_500,
  bundleBytes: 300 * 1024,
  bundleLoadMs: 150,
  versionMs: 250,
  /** Issue 13: a 3 MB gehen.yml validates (here: is refused by its size) in under 2 s. */
  validateBigConfigMs: 2000,
  /** Added to the poll interval. */
  latencySlackSeconds: 0.5,
  /** Issue 16 §3: from ECS's deciding event to the workflow's decision, event wait, median (the drain's and the gate's). */
  eventDecisionSeconds: 2,
} as const;

export const targetNames = {
  apiLoad: 'ECS read calls per service per round',
  rollbackHistory: 'history events, largest rollback run',
  bundleSize: (step: string) => `bundle size: ${step}`,
  bundleLoad: (step: string) => `bundle load: ${step}`,
  version: 'gehen --version',
  validateBigConfig: BIG_CONFIG_COMMAND,
  latency: (seconds: number) => `detection latency at ${seconds} s (max)`,
  eventDecision: (services: number) => `event wait: ECS event → decision, ${services} services (median)`,
  eventTransitions: (services: number) => `event wait: state transitions ≤ polling's, ${services} services (sum)`,
  gateDecision: (services: number) => `gate wait: ECS hook event → decision, ${services} services (median)`,
  gateTransitions: (services: number) => `gate wait: gate-loop transitions ≤ polling's, ${services} services (sum)`,
};

/** Every target of issue 7, checked against one run's figures. */
export function targetChecks(result: Omit<BenchResult, 'targets'>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const check = (name: string, value: number, target: number, unit: string) =>
    checks.push({ name, value, target, unit, pass: value <= target });
  if (result.apiLoad) {
    check(
      targetNames.apiLoad,
      result.apiLoad.readCallsPerServicePerRound,
      TARGETS.readCallsPerServicePerRound,
      'calls',
    );
  }
  const rollbacks = result.scale.filter((run) => run.rollback).sort((a, b) => b.services - a.services);
  if (rollbacks[0])
    check(targetNames.rollbackHistory, rollbacks[0].historyEvents, TARGETS.rollbackHistoryEvents, 'events');
  for (const bundle of result.coldStart.bundles) {
    check(targetNames.bundleSize(bundle.step), bundle.bytes, TARGETS.bundleBytes, 'bytes');
    check(targetNames.bundleLoad(bundle.step), bundle.loadMsMedian, TARGETS.bundleLoadMs, 'ms');
  }
  const version = result.coldStart.cli.find((cli) => cli.command === 'gehen --version');
  if (version) check(targetNames.version, version.msMedian, TARGETS.versionMs, 'ms');
  const validate = result.coldStart.cli.find((cli) => cli.command === BIG_CONFIG_COMMAND);
  if (validate) check(targetNames.validateBigConfig, validate.msMedian, TARGETS.validateBigConfigMs, 'ms');
  for (const latency of result.latency) {
    check(
      targetNames.latency(latency.pollIntervalSeconds),
      latency.maxSeconds,
      latency.pollIntervalSeconds + TARGETS.latencySlackSeconds,
      's',
    );
  }
  for (const event of result.eventWait.filter((run) => run.mode === 'event')) {
    const poll = result.eventWait.find((run) => run.mode === 'poll' && run.services === event.services);
    check(targetNames.eventDecision(event.services), event.decisionMedianSeconds, TARGETS.eventDecisionSeconds, 's');
    if (poll)
      check(targetNames.eventTransitions(event.services), event.transitionsTotal, poll.transitionsTotal, 'transitions');
  }
  for (const event of result.gateWait.filter((run) => run.mode === 'event')) {
    const poll = result.gateWait.find((run) => run.mode === 'poll' && run.services === event.services);
    check(targetNames.gateDecision(event.services), event.decisionMedianSeconds, TARGETS.eventDecisionSeconds, 's');
    // The gate loop's own transitions: the whole deployment's also count the drain, whose wait differs too.
    if (poll)
      check(
        targetNames.gateTransitions(event.services),
        event.gateTransitionsTotal,
        poll.gateTransitionsTotal,
        'transitions',
      );
  }
  return checks;
}
