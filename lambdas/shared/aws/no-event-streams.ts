/**
 * Replaces @smithy/core/event-streams in the Lambda bundles (an esbuild alias, see
 * lib/step-lambda.ts). The SDK's protocols load it with a dynamic import() only for an
 * operation with an event-stream member, and none of gehen's clients (ECS, EventBridge, Step
 * Functions, STS) has one: about 20 KB a bundle that never runs.
 */
function unsupported(): never {
  throw new Error('gehen: event streams are not bundled (see lambdas/shared/no-event-streams.ts)');
}

export class EventStreamSerde {
  constructor() {
    unsupported();
  }
}

export const eventStreamSerdeProvider = unsupported;
