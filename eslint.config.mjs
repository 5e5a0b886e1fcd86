import tseslint from 'typescript-eslint';

// Where each driver may be imported (production code; tests build what they need). The folder is
// under shared/src; anywhere else the import is an error.
const DRIVER_HOMES = {
  ioredis: 'adapters/redis',
  amqplib: 'adapters/amqp',
  openai: 'adapters/ai',
  'node-llama-cpp': 'adapters/ai',
  undici: 'adapters/ai',
  cloudevents: 'adapters/cloudevents-http',
  'prom-client': 'adapters/prometheus',
  pino: 'observability',
};
const ADAPTER_FOLDERS = ['redis', 'memory', 'amqp', 'cloudevents-http', 'ai', 'file', 'prometheus'];
// Everything that does I/O or knows a transport: the domain and the ports see none of it.
const IO = ['express', 'node:*', 'fs', 'net', 'http', 'jose', 'rate-limiter-flexible', '@opentelemetry/*'];

const TESTS = ['**/*.test.ts', 'shared/src/adapters/contracts/**'];
const SHARED_ENTRIES = [
  '@parley/shared',
  '@parley/shared/http',
  '@parley/shared/composition',
  '@parley/shared/testing',
];

/** Drivers this folder may not import (all of them when `home` is undefined). */
function driverPatterns(home) {
  return Object.entries(DRIVER_HOMES)
    .filter(([, where]) => where !== home)
    .map(([driver, where]) => ({
      group: [driver, `${driver}/*`],
      message: `${driver} is imported only under shared/src/${where}/`,
    }));
}
const ioPatterns = (message) => IO.map((d) => ({ group: [d], message }));

// Outside shared/src: only the package name and its entry files.
const deepImports = [
  {
    group: ['**/shared/src', '**/shared/src/*'],
    message: `import the shared library through its entries: ${SHARED_ENTRIES.join(', ')}`,
  },
  {
    regex: '^@parley/shared/(?!(http|composition|testing)$)',
    message: `the shared library's entries are ${SHARED_ENTRIES.join(', ')}`,
  },
];

/** One block per group of files: a later block would replace the rule, not add to it, so the groups do not overlap. */
function restrict(files, patterns, ignores = []) {
  return { files, ignores: [...TESTS, ...ignores], rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // Tests anywhere outside shared/src: entries only.
  {
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['shared/src/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: deepImports }] },
  },
  // Production code outside shared/src: entries only, and no drivers (they come built, from composition).
  restrict(
    ['**/*.ts', '**/*.tsx'],
    [...deepImports, ...driverPatterns()],
    ['shared/src/**', 'test/**', 'bench/**', 'functions/*/handler.ts'],
  ),
  // Use cases see ports only.
  restrict(['functions/*/handler.ts'], [...deepImports, ...driverPatterns(), ...ioPatterns('handlers see ports only')]),
  // The domain is pure and depends on nothing outside it.
  restrict(
    ['shared/src/domain/**/*.ts'],
    [
      ...driverPatterns(),
      ...ioPatterns('the domain does no I/O'),
      { regex: '^\\.\\./', message: 'the domain imports nothing outside shared/src/domain' },
    ],
  ),
  // Ports name what adapters implement, in domain terms only.
  restrict(
    ['shared/src/ports/**/*.ts'],
    [
      ...driverPatterns(),
      ...ioPatterns('ports do no I/O'),
      { regex: '^\\.\\./(?!domain/)', message: 'ports import only the domain' },
    ],
  ),
  // Adapters: each technology's driver in its own folder; an adapter folder does not import another.
  ...ADAPTER_FOLDERS.map((folder) =>
    restrict(
      [`shared/src/adapters/${folder}/**/*.ts`],
      [
        ...driverPatterns(`adapters/${folder}`),
        {
          regex: '^\\.\\./[^.]',
          message: 'an adapter folder does not import another one (shared code goes to its port)',
        },
      ],
      folder === 'ai' ? ['shared/src/adapters/ai/*-provider.ts'] : [],
    ),
  ),
  // AI providers are siblings: what they share is in prompts.ts.
  restrict(
    ['shared/src/adapters/ai/*-provider.ts'],
    [
      ...driverPatterns('adapters/ai'),
      {
        regex: '^\\.\\./[^.]',
        message: 'an adapter folder does not import another one (shared code goes to its port)',
      },
      { regex: '^\\./[^/]*-provider$', message: 'providers do not import each other: share code through ./prompts' },
    ],
  ),
  // The http kit gets metrics from its caller, not from the Prometheus adapter.
  restrict(
    ['shared/src/http/**/*.ts'],
    [
      ...driverPatterns(),
      { regex: '/adapters/prometheus/', message: 'createHttpApp receives its metrics from the composition root' },
    ],
  ),
  restrict(['shared/src/observability/**/*.ts'], driverPatterns('observability')),
  // The rest of shared/src (composition, services, api, config, entries).
  restrict(['shared/src/**/*.ts'], driverPatterns(), [
    'shared/src/domain/**',
    'shared/src/ports/**',
    'shared/src/adapters/**',
    'shared/src/http/**',
    'shared/src/observability/**',
  ]),
);
