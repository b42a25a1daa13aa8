/** The stack's name (and construct id) in the CDK app. */
export const STACK_NAME = 'Gehen';

/**
 * cdk.json / `-c` context the app reads. Lists are comma-separated, as `-c key=a,b` passes them.
 * `gehen:configs` names gehen.yml files (relative to the app's working directory) whose `trigger`
 * deploys ECR pushes; `gehen:probeSubnetIds` and `gehen:probeSecurityGroupIds` put the Probe step
 * in those (existing) subnets and security groups.
 */
export const ContextKeys = {
  configs: 'gehen:configs',
  passRoleArns: 'gehen:passRoleArns',
  assumeRoleArns: 'gehen:assumeRoleArns',
  maxConcurrency: 'gehen:maxConcurrency',
  notifySnsTopicArn: 'gehen:notifySnsTopicArn',
  datadogApiKeySecretArn: 'gehen:datadogApiKeySecretArn',
  datadogSite: 'gehen:datadogSite',
  probeSubnetIds: 'gehen:probeSubnetIds',
  probeSecurityGroupIds: 'gehen:probeSecurityGroupIds',
  logLevel: 'gehen:logLevel',
  kmsKeyArn: 'gehen:kmsKeyArn',
  allowedClusters: 'gehen:allowedClusters',
  allowedRepositories: 'gehen:allowedRepositories',
  allowedRoleArns: 'gehen:allowedRoleArns',
} as const;
