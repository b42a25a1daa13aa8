import { App } from 'aws-cdk-lib';
import { buildGehenApp } from '../lib/synth';

// Context (cdk.json, `-c key=value`) configures the stack; see docs/deploy-to-aws.md.
const app = new App();
buildGehenApp(app);
app.synth();
