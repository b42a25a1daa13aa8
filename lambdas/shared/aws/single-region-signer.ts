import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Replaces @aws-sdk/signature-v4-multi-region in the Lambda bundles (an esbuild alias, see
 * lib/step-lambda.ts). EventBridge and STS construct that signer, which signs with SigV4 except
 * for the signing region `*` — SigV4a, used by EventBridge global endpoints (PutEvents with an
 * `EndpointId`) — which gehen never sends. The bundles carry no SigV4a implementation either
 * (@aws-sdk/signature-v4-crt or @aws-sdk/signature-v4a), so the original would refuse such a
 * request too. About 4 KB a bundle, which keeps Prepare under its 300 KB budget.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-global-endpoints.html
 */
export class SignatureV4MultiRegion extends SignatureV4 {
  // biome-ignore lint/suspicious/noExplicitAny: SignatureV4's overloads, passed through unchanged.
  override async sign(toSign: any, options?: any): Promise<any> {
    if (options?.signingRegion === '*') {
      throw new Error(
        'gehen: SigV4a (global endpoints) is not bundled (see lambdas/shared/aws/single-region-signer.ts)',
      );
    }
    return super.sign(toSign, options);
  }
}
