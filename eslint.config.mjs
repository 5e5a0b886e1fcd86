import tseslint from 'typescript-eslint';

const drivers = ['ioredis', 'amqplib', 'openai', 'express', 'cloudevents', 'node:*', 'fs', 'net', 'http'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The domain is pure: no drivers, no I/O, no reaching into adapters.
    files: ['shared/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...drivers.map((d) => ({ group: [d], message: 'the domain does no I/O' })), { group: ['../adapters/*', '../http/*'], message: 'the domain depends on nothing' }] },
      ],
    },
  },
  {
    files: ['functions/*/handler.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: drivers.map((d) => ({ group: [d], message: 'handlers see ports only' })) }],
    },
  },
);
