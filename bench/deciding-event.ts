/** An event the sandbox's EventBridge stored, as `sandbox.events.events` holds it (`time` in epoch seconds). */
export interface StoredBusEvent {
  Source?: string;
  Detail?: string;
  time: number;
}

/**
 * Epoch ms of the last `aws.ecs` event named `eventName` (its detail's `eventName`) put since
 * `sinceSeconds`: the deciding event of a wait on many services is the last one's, timestamped
 * where the sandbox's ECS puts it on the bus.
 */
export function lastEcsEventAt(events: readonly StoredBusEvent[], sinceSeconds: number, eventName: string): number {
  const matching = events.filter(
    (event) =>
      event.Source === 'aws.ecs' &&
      event.time >= sinceSeconds &&
      (JSON.parse(event.Detail ?? '{}') as { eventName?: string }).eventName === eventName,
  );
  if (matching.length === 0) throw new Error(`ECS put no ${eventName} event for the deployment`);
  return Math.max(...matching.map((event) => event.time)) * 1000;
}
