// Placeholder so the CDK app can reference this entry; the real handler replaces it.
export const handler = async (): Promise<never> => {
  throw new Error('lambdas/register-task-definition is not implemented yet');
};
