/**
 * The workflow's state names: what operators read in the Step Functions console. One module
 * used by the definition, the tests, the bench, the Lambda steps and the CLI (which follows progress by them).
 */
import {
  ACQUIRE_LOCK_STATE_NAME,
  AWAIT_APPROVAL_STATE_NAME,
  CHECK_TARGET_ROLES_STATE_NAME,
  PREPARE_RESTORE_STATE_NAME,
  PREPARE_STATE_NAME,
  RESTORE_CHOICE_STATE_NAME,
} from '../lambdas/shared/contracts/state-names';
import { TerminalStates as T } from '../lambdas/shared/contracts/terminal-states';

// The first state is the steps' contract too: they look for it in an execution's history.
export { AWAIT_APPROVAL_STATE_NAME, PREPARE_STATE_NAME };

export const StateNames = {
  // The plan: a deployment's Prepare, its roles check and its lock; a restore's own first step.
  restoreChoice: RESTORE_CHOICE_STATE_NAME,
  prepare: PREPARE_STATE_NAME,
  checkTargetRoles: CHECK_TARGET_ROLES_STATE_NAME,
  acquireLock: ACQUIRE_LOCK_STATE_NAME,
  prepareRestore: PREPARE_RESTORE_STATE_NAME,
  skipServiceUpdates: 'Skip Service Updates',
  strategyChoice: 'Update Services?',
  updateScheduledTasks: 'Update Scheduled Tasks',
  updateScheduledTask: 'Update Scheduled Task',
  deployServices: 'Deploy Services',
  registerTaskDefinition: 'Register Task Definition',
  updateService: 'Update Service',
  // Deploy Services failed: an Update Service still running can write until its function's timeout.
  waitForDeployWrites: 'Wait For Deploy Writes',
  // The gate (gehen.yml `gate`): every service held at a lifecycle stage, then continued together.
  gateChoice: 'Hold At Gate?',
  startGate: 'Start Gate',
  waitGate: 'Wait At Gate',
  // Check Gate found services not paused yet: their hooks' events end this wait (Park Wait).
  waitGateHooks: 'Wait For Hooks At Gate',
  pollGateHooks: 'Poll For Hooks At Gate',
  checkGate: 'Check Gate',
  gateLoopChoice: 'Every Service At Gate?',
  approvalChoice: 'Approval Needed?',
  awaitApproval: AWAIT_APPROVAL_STATE_NAME,
  bakeChoice: 'Bake At Gate?',
  bakeAtGate: 'Bake At Gate',
  checkGateAfterBake: 'Check Gate After Bake',
  gateHeldChoice: 'Gate Still Holds?',
  continueGate: 'Continue Gate',
  // Deploy phase loops.
  startVerify: 'Start Verifying New Version',
  waitVerify: 'Wait Before Probing',
  probe: 'Probe New Version',
  verifyChoice: 'New Version Live?',
  startDrain: 'Start Draining Old Version',
  // The drain waits on ECS's events (Park Wait's `.waitForTaskToken` Task), and polls only if it cannot park.
  waitDrain: 'Wait For Drain',
  pollDrain: 'Poll For Drain',
  checkDrain: 'Check Drain',
  drainChoice: 'Old Version Drained?',
  cleanUpChoice: 'Clean Up Revisions?',
  cleanUpRevisions: 'Clean Up Old Revisions',
  report: 'Report Deployment',
  reportWithoutDetails: 'Report Deployment Without Details',
  deployed: T.deployed.name,
  // Nothing to deploy (push-started: a tag that is not a SHA, or a duplicate push).
  skipChoice: 'Anything To Deploy?',
  reportSkipped: 'Report Nothing To Deploy',
  reportSkippedWithoutDetails: 'Report Nothing To Deploy Without Details',
  skipped: T.skipped.name,
  // A restore (`restore-…`, after an execution was stopped, timed out or failed uncatchably).
  notifyAborted: 'Notify Aborted',
  keepAbort: 'Keep Abort',
  // Rollback.
  failureKindChoice: 'Why Roll Back?',
  keepDeployError: 'Keep Deploy Error',
  keepDeployRound: 'Keep Deploy Round',
  rollbackChoice: 'Roll Back?',
  rollBackServices: 'Roll Back Services',
  rollBackService: 'Roll Back Service',
  recordServiceNotRestored: 'Record Service Not Restored',
  checkRolledBackServices: 'Check Rolled Back Services',
  // A gate: Roll Back Service's own deployments (UpdateService) pause at the gate's hook too.
  rollbackHeldChoice: 'Rollback Held At Hooks?',
  startReleaseRollback: 'Start Releasing Rollback',
  waitReleaseRollback: 'Wait For Rollback At Hooks',
  pollReleaseRollback: 'Poll For Rollback At Hooks',
  releaseRollback: 'Release Rollback At Hooks',
  releaseRollbackChoice: 'Rollback Past Hooks?',
  startVerifyRollback: 'Start Verifying Rollback',
  waitVerifyRollback: 'Wait Before Probing Rollback',
  probeRollback: 'Probe Previous Version',
  verifyRollbackChoice: 'Previous Version Live?',
  startDrainRollback: 'Start Draining Failed Version',
  waitDrainRollback: 'Wait For Rollback Drain',
  pollDrainRollback: 'Poll For Rollback Drain',
  checkDrainRollback: 'Check Rollback Drain',
  drainRollbackChoice: 'Failed Version Drained?',
  // Every way the services' rollback ends records its outcome, then the scheduled tasks are put back.
  recordRolledBack: 'Record Rolled Back',
  recordRollbackFailed: 'Record Rollback Failed',
  recordRollbackTimedOut: 'Record Rollback Timed Out',
  rollBackScheduledTasks: 'Roll Back Scheduled Tasks',
  rollBackScheduledTask: 'Roll Back Scheduled Task',
  recordRuleNotRestored: 'Record Rule Not Restored',
  summariseRollback: 'Summarise Rollback',
  recordRollbackUnknown: 'Record Rollback Unknown',
  rollbackOutcomeChoice: 'Rollback Outcome?',
  // Terminal states.
  invalid: T.invalid.name,
  concurrent: T.concurrent.name,
  rolledBack: T.rolledBack.name,
  rollbackFailed: T.rollbackFailed.name,
  verifyFailed: T.verifyFailed.name,
  drainTimedOut: T.drainTimedOut.name,
  rollbackTimedOut: T.rollbackTimedOut.name,
  // Notify: one before each terminal state, named after it.
  notifyDeployed: 'Notify Deployed',
  notifySkipped: 'Notify Nothing To Deploy',
  notifyInvalid: 'Notify Invalid Deployment',
  notifyConcurrent: 'Notify Concurrent Deployment',
  notifyRolledBack: 'Notify Rolled Back',
  notifyRollbackFailed: 'Notify Rollback Failed',
  notifyVerifyFailed: 'Notify Verify Failed',
  notifyDrainTimedOut: 'Notify Drain Timed Out',
  notifyRollbackTimedOut: 'Notify Rollback Timed Out',
  // Release Lock: one before each Notify, named after the ending; the lock is released at every end.
  releaseLockDeployed: 'Release Lock (Deployed)',
  releaseLockSkipped: 'Release Lock (Nothing To Deploy)',
  releaseLockInvalid: 'Release Lock (Invalid Deployment)',
  releaseLockConcurrent: 'Release Lock (Concurrent Deployment)',
  releaseLockRolledBack: 'Release Lock (Rolled Back)',
  releaseLockRollbackFailed: 'Release Lock (Rollback Failed)',
  releaseLockVerifyFailed: 'Release Lock (Verify Failed)',
  releaseLockDrainTimedOut: 'Release Lock (Drain Timed Out)',
  releaseLockRollbackTimedOut: 'Release Lock (Rollback Timed Out)',
} as const;

export type StateName = (typeof StateNames)[keyof typeof StateNames];

/** The state machine's name, as deployed and as the CLI finds it. */
export const STATE_MACHINE_NAME = 'gehen-deploy';
