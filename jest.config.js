/**
 * Jest runs the TypeScript sources as native ESM (jose 6 is ESM-only), transformed by SWC.
 *
 * Two projects: `unit` (pure rules, envelope, Merkle log, schemas, trust: no Kafka, seconds) and
 * `integration` (everything that talks to the real broker, processes or the OpenAPI tooling).
 * `npm test` runs unit first, so a broken rule fails fast; `npm run test:unit` runs it alone.
 */
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
};

const UNIT = ['test/unit', 'test/envelope', 'test/merkle', 'test/schemas', 'test/trust'];

export default {
  testTimeout: 60000,
  maxWorkers: 2,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [...UNIT.map((d) => `<rootDir>/${d}/**/*.test.ts`), '<rootDir>/services/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...UNIT.map((d) => `<rootDir>/${d}/`)],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
};
