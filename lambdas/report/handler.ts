import middy from '@middy/core';
import type { DeploymentReport } from '../shared/contracts';
import type { ReportInput } from '../shared/report';
import { report } from './core';

export const handler = middy<ReportInput, DeploymentReport>().handler((input) => report(input));
