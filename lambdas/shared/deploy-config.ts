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
}
