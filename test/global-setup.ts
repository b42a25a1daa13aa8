/** Runs once before all suites. Nothing to prepare yet beyond a clean environment. */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_REGION ??= 'us-east-1';
}
