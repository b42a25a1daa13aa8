/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];

/** What every project shares: TypeScript through swc, Node, the per-file CPU recorder. */
const common = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  // @middy/core ships ESM only: transform it (and only it) to CommonJS along with our TypeScript.
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  setupFiles: ['<rootDir>/test/env.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/cpu-usage.ts'],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      // Step cores, the CLI, the CDK templates: no sandbox, so no global setup.
      roots: ['<rootDir>/test/unit', '<rootDir>/test/cdk'],
      // aws-sdk-client-mock's matchers (toHaveReceivedCommandWith): the unit tests' alone, as
      // loading them (sinon with it) in every e2e file costs CPU and serves none.
      setupFilesAfterEnv: ['aws-sdk-client-mock-jest', ...common.setupFilesAfterEnv],
    },
    {
      ...common,
      displayName: 'e2e',
      roots: ['<rootDir>/test/sandbox', '<rootDir>/test/e2e', '<rootDir>/test/bench'],
      // Synthesizes the app with its real Lambda bundles once, before any sandbox starts.
      globalSetup: '<rootDir>/test/global-setup.ts',
    },
  ],
  // The e2e suites mostly wait (on tasks starting, on Wait states): more workers than the two cores
  // keep both cores busy. Jest's default (cores - 1) would run everything in one process here.
  maxWorkers: 6,
  // Whole deployments on the realistic profile wait on (scaled) ECS time. Jest reads this one only
  // here, not per project.
  testTimeout: 120_000,
};
