/**
 * Two projects, told apart by where a test file lives and what it is named:
 * - `unit`: the `*.test.ts` files beside the code (shared/, functions/, client/, standalone/, bench/) and the lint
 *   rules' tests in test/lint/. They need nothing outside the test process but a child node for eslint: the domain,
 *   pure bindings, use cases with in-memory adapters, one adapter or app against in-process fakes on loopback.
 *   `npm run test:unit` runs only these, in seconds, with Redis and RabbitMQ stopped.
 * - `integration`: every other test under `test/` (whole scenarios through the composed functions over HTTP, child
 *   processes, the browser, deploy files and tools) and any `*.int.test.ts` beside the code (an adapter or
 *   runtime against the real Redis or RabbitMQ).
 * A test beside the code that needs a service is named `*.int.test.ts`; a test under `test/` is integration.
 * `npm test` runs both.
 *
 * Tests run TypeScript through swc (fast, no type-check; `npm run typecheck` does that).
 */
const { compilerOptions } = require('./tsconfig.json');

/** `@parley/shared` and its entries, exactly as tsconfig.json's `paths` name them. */
const sharedEntries = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([name, [file]]) => [
    `^${name.replace(/[/]/g, '\\/')}$`,
    `<rootDir>/${file}`,
  ]),
);

const common = {
  testEnvironment: 'node',
  moduleNameMapper: sharedEntries,
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // jose ships ES modules only; swc turns them into CommonJS for jest (esbuild bundles them as they are).
    '^.+/node_modules/jose/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};
const ignored = ['/node_modules/', '/dist/'];

module.exports = {
  testTimeout: 30000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/*.test.ts'],
      testPathIgnorePatterns: [...ignored, '<rootDir>/test/(?!lint/)', '\\.int\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/**/*.int.test.ts'],
      testPathIgnorePatterns: [...ignored, '<rootDir>/test/lint/'],
    },
  ],
};
