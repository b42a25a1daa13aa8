// Placeholder so the CDK app can reference this entry; the real handler replaces it.
export const handler = async (): Promise<never> => {
  throw new Error('lambdas/probe is not implemented yet');
};
