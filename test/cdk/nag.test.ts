import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildGehenApp } from '../../lib/synth';

/** cdk-nag 3 runs as a policy-validation plugin: any unacknowledged finding makes synth throw. */
function synthWithNag(context: Record<string, unknown> = {}): void {
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'gehen-nag-')),
    context: { 'aws:cdk:bundling-stacks': [], ...context },
    builtinCloudFormationValidation: false,
  });
  buildGehenApp(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

describe('cdk-nag AwsSolutions', () => {
  it('has no unacknowledged findings with the default props', () => {
    expect(() => synthWithNag()).not.toThrow();
  });

  it('has none with ECR push triggers either', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gehen-nag-config-'));
    const config = join(dir, 'gehen.yml');
    writeFileSync(config, 'trigger:\n  ecrRepository: api\nservices:\n  api:\n    cluster: prod\n');
    expect(() => synthWithNag({ 'gehen:configs': config })).not.toThrow();
  });

  it('has none with narrowed roles either', () => {
    expect(() =>
      synthWithNag({
        'gehen:passRoleArns': 'arn:aws:iam::111122223333:role/app-*',
        'gehen:assumeRoleArns': 'arn:aws:iam::444455556666:role/gehen',
        'gehen:allowedClusters': 'staging-*,arn:aws:ecs:eu-west-1:111122223333:cluster/qa',
        'gehen:allowedRoleArns': 'arn:aws:iam::444455556666:role/gehen-*',
      }),
    ).not.toThrow();
  });

  it('has none with a customer-managed key and triggers either', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gehen-nag-kms-'));
    const config = join(dir, 'gehen.yml');
    writeFileSync(config, 'trigger:\n  ecrRepository: api\nservices:\n  api:\n    cluster: prod\n');
    expect(() =>
      synthWithNag({
        'gehen:configs': config,
        'gehen:kmsKeyArn': 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      }),
    ).not.toThrow();
  });
});
