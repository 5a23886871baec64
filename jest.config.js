/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  // The real Functions worker injects this module; locally and in tests the recording stub stands in for it.
  moduleNameMapper: { '^@azure/functions-core$': '<rootDir>/tools/localHost/functionsCoreStub.ts' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // `npm run package` output and the fetched Node 22 hold package.json files of their own.
  modulePathIgnorePatterns: ['<rootDir>/package/', '<rootDir>/.cache/'],
  testTimeout: 30000,
};
