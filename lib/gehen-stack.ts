import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { GehenDeployer, type GehenDeployerProps } from './gehen-deployer';

export interface GehenStackProps extends StackProps {
  /** @default - GehenDeployer's defaults */
  readonly deployer?: GehenDeployerProps;
}

/** The `Gehen` stack: the deployer and the two outputs the CLI and operators need. */
export class GehenStack extends Stack {
  readonly deployer: GehenDeployer;

  constructor(scope: Construct, id: string, props: GehenStackProps = {}) {
    super(scope, id, {
      description: 'gehen: Step Functions workflow that deploys git SHAs to Amazon ECS',
      ...props,
    });
    this.deployer = new GehenDeployer(this, 'Deployer', props.deployer);
    const arn = this.deployer.stateMachine.stateMachineArn;

    new CfnOutput(this, 'StateMachineArn', {
      description: 'gehen-deploy: the stateMachineArn for gehen.yml or `gehen deploy --state-machine`',
      value: arn,
    });
    new CfnOutput(this, 'ConsoleUrl', {
      description: 'Watch deployments in the Step Functions console',
      value: Fn.join('', [
        `https://${this.region}.console.aws.amazon.com/states/home?region=${this.region}#/statemachines/view/`,
        arn,
      ]),
    });
  }
}
