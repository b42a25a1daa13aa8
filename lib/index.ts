// `gehen/cdk`: the construct for your own CDK app (package.json `exports`). aws-cdk-lib and
// constructs are peer dependencies: the app's own copies, so its constructs and ours are one tree.
export { DeploymentDashboard, type DeploymentDashboardProps } from './dashboard';
export { GehenDeployer, type GehenDeployerProps } from './gehen-deployer';
export { GehenStack, type GehenStackProps } from './gehen-stack';
export { DeploymentNotifications, type DeploymentNotificationsProps } from './notifications';
export { STATE_MACHINE_NAME } from './state-names';
export type { StepName } from './step-lambda';
export { buildGehenApp, ContextKeys, deployerPropsFromContext, STACK_NAME } from './synth';
export { EcrPushTriggers, type EcrPushTriggersProps, readTriggerFiles, type TriggerFile } from './triggers';
