import type { DeploymentReport } from '../shared/contracts';
import { buildDeploymentReport, type ReportInput } from '../shared/report';

/** Report Deployment: the success path's final output. No AWS calls. */
export async function report(input: ReportInput): Promise<DeploymentReport> {
  return buildDeploymentReport(input, 'deployed');
}
