/**
 * The region of an ARN of `service` (`arn:PARTITION:SERVICE:REGION:…`), or null when `arn` is not
 * one: an ARN names its region, which wins over any default.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
export function regionOfArn(arn: string, service: string): string | null {
  const [prefix, partition, arnService, region] = arn.split(':');
  if (prefix !== 'arn' || !partition?.startsWith('aws') || arnService !== service) return null;
  return region && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(region) ? region : null;
}
