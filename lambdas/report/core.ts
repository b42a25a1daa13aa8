import type { DeploymentReport } from '../shared/contracts/state';
import { buildDeploymentReport, type ReportInput } from '../shared/report/deployment-report';

/** Report Deployment and Report Nothing To Deploy: the success paths' final output. No AWS calls. */
export async function report(input: ReportInput): Promise<DeploymentReport> {
  const { skipped } = input.plan;
  if (skipped !== undefined)
    return { ...buildDeploymentReport(input, { status: 'skipped', exitCode: 0 }), reason: skipped };
  return buildDeploymentReport(input, { status: 'deployed', exitCode: 0 });
}
