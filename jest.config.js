const { compilerOptions } = require('./tsconfig.json');

/** `@parley/shared` and its entries, exactly as tsconfig.json's `paths` name them. */
const sharedEntries = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([name, [file]]) => [`^${name.replace(/[/]/g, '\\/')}$`, `<rootDir>/${file}`]),
);

/** Tests run TypeScript through swc (fast, no type-check; `npm run typecheck` does that). */
module.exports = {
  testEnvironment: 'node',
  moduleNameMapper: sharedEntries,
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // jose ships ES modules only; swc turns them into CommonJS for jest (esbuild bundles them as they are).
    '^.+/node_modules/jose/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 30000,
};
