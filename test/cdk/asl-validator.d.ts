// asl-validator ships no types: the part of its API the tests use.
declare module 'asl-validator' {
  function validator(
    definition: object,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): { isValid: boolean; errors: unknown[]; errorsText: (separator?: string) => string };
  export = validator;
}
