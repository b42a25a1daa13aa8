import type { GateConfig } from './gate';

/** The normalized gehen.yml: what an execution of gehen-deploy takes as `config`. */

export const UPDATE_STRATEGIES = ['current', 'latest', 'redeploy', 'none'] as const;
export type UpdateStrategy = (typeof UPDATE_STRATEGIES)[number];

/** A service as the workflow receives it. */
export interface ServiceConfig {
  name: string;
  /** As written: a cluster ARN or a bare name. */
  cluster: string;
  /** From the cluster ARN, else the file's `region`, else null (the caller's region). */
  region: string | null;
  url: string | null;
  /** null: every container of the task definition. */
  containers: string[] | null;
  /** Probed at the gate for the new SHA (behind the service's test listener). Absent: not probed. */
  testUrl?: string | null;
}

export interface ScheduledTaskConfig {
  rule: string;
  region: string | null;
  containers: string[] | null;
}

export interface DeployConfig {
  roleArn: string | null;
  /** `role.externalId`: absent when the file has none (inputs written before it existed stay valid). */
  roleExternalId?: string;
  updateStrategy: UpdateStrategy;
  timeoutMinutes: number;
  pollIntervalSeconds: number;
  requiredMatches: number;
  region: string | null;
  services: ServiceConfig[];
  scheduledTasks: ScheduledTaskConfig[];
  /**
   * After a successful deployment, deregister ACTIVE revisions of each deployed family beyond the
   * newest `keep`, never one in use. Absent (or null in an execution input): revisions are left alone.
   */
  cleanupRevisions?: CleanupRevisions | null;
  /**
   * Hold every service's deployment at an ECS lifecycle stage until all of them passed, then
   * continue or roll back all of them (docs/steps.md, The gate). Absent (or null): no gate.
   */
  gate?: GateConfig | null;
}

export interface CleanupRevisions {
  keep: number;
}

/** gehen.yml's `cleanupRevisions.keep` bounds and default. */
export const CLEANUP_KEEP = { min: 1, max: 1000, default: 10 } as const;
