import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Plan } from '../shared/contracts/state';

/** The approval request's EventBridge source and detail-type, on the bus the notifications use. */
export const APPROVAL_SOURCE = 'gehen';
export const APPROVAL_DETAIL_TYPE = 'Gehen Approval Requested';

/** Await Approval's input. The task token is in it because Step Functions requires it; it is never read. */
export interface RequestApprovalInput {
  plan: Plan;
  taskToken: string;
}

export interface RequestApprovalResult {
  /** null: the event could not be put (logged); the workflow waits all the same. */
  eventId: string | null;
}

// The names in the event; more would only make it long (the CLI and the console show them all).
const MAX_NAMES = 50;

/**
 * Await Approval's Lambda (invoked with `.waitForTaskToken`): tells whoever listens on the default
 * bus that the deployment waits for an operator, and how to answer — but not the task token, which
 * answers it: any rule on the default bus could read it. The token stays in the execution's
 * history (its TaskScheduled event), readable only with states:GetExecutionHistory on this state
 * machine, where `gehen approve` finds it. A lost event changes nothing: the workflow still waits.
 */
export async function requestApproval(
  input: RequestApprovalInput,
  events: EventBridgeClient,
  warn: (message: string, error: unknown) => void,
): Promise<RequestApprovalResult> {
  const { plan } = input;
  const execution = plan.deployment.executionArn;
  const detail = {
    execution,
    gitsha: plan.deployment.gitsha,
    stage: plan.gate?.stage ?? null,
    services: plan.services.slice(0, MAX_NAMES).map((s) => s.name),
    serviceCount: plan.services.length,
    approve: `gehen approve ${execution}`,
    reject: `gehen reject ${execution} --reason "..."`,
  };
  try {
    const response = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: APPROVAL_SOURCE,
            DetailType: APPROVAL_DETAIL_TYPE,
            Detail: JSON.stringify(detail),
            Resources: [execution],
          },
        ],
      }),
    );
    return { eventId: response.Entries?.[0]?.EventId ?? null };
  } catch (error) {
    warn('the approval request event was not put', error);
    return { eventId: null };
  }
}
