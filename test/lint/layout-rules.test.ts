import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// The layout rules of eslint.config.mjs, proven by planting each violation (and its allowed twin)
// in a file that exists only as text at a path where the rule applies. ESLint's Node API loads the
// config with a dynamic import, which jest's module system refuses; so it runs in a child node.
const ROOT = join(__dirname, '..', '..');
const LINT_SCRIPT = `
import { ESLint } from 'eslint';
import { readFileSync } from 'node:fs';
const eslint = new ESLint({ cwd: process.cwd() });
const input = JSON.parse(readFileSync(0, 'utf8'));
const rule = (results) => results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'no-restricted-imports'));
const planted = [];
for (const { filePath, code } of input.planted) planted.push(rule(await eslint.lintText(code, { filePath })).map((m) => m.message));
process.stdout.write(JSON.stringify({ planted }));
`;

type LintAnswer = { planted: string[][] };
function lint(planted: Array<{ filePath: string; code: string }>): LintAnswer {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', LINT_SCRIPT], {
    cwd: ROOT,
    input: JSON.stringify({ planted }),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out) as LintAnswer;
}

const cases: Array<[string, string, string, RegExp | null]> = [
  [
    'a function reaches into shared/src',
    'functions/dialogue-start/app.ts',
    "import { EVENT_TYPES } from '../../shared/src/domain/events';",
    /entries/,
  ],
  [
    'a function imports the main entry',
    'functions/dialogue-start/app.ts',
    "import { EVENT_TYPES } from '@parley/shared';",
    null,
  ],
  [
    'a function imports a deep package path',
    'functions/dialogue-start/app.ts',
    "import { connectRedis } from '@parley/shared/adapters/redis/connection';",
    /entries/,
  ],
  [
    'a test reaches into shared/src',
    'test/http/planted.test.ts',
    "import { createHttpApp } from '../../shared/src/http/create-app';",
    /entries/,
  ],
  [
    'a test imports the testing entry',
    'test/http/planted.test.ts',
    "import { InMemoryDialogueStore } from '@parley/shared/testing';",
    null,
  ],
  [
    'the client reaches into shared/src',
    'client/src/planted.ts',
    "import type { TurnAnswer } from '../../shared/src/api/api-schemas';",
    /entries/,
  ],
  [
    'a handler imports express',
    'functions/dialogue-end/handler.ts',
    "import { Router } from 'express';\nvoid Router;",
    /handlers see ports only/,
  ],
  [
    'a function imports ioredis',
    'functions/dialogue-log/runtime.ts',
    "import { Redis } from 'ioredis';\nvoid Redis;",
    /ioredis is imported only under shared\/src\/adapters\/redis/,
  ],
  [
    'the domain imports a port',
    'shared/src/domain/planted.ts',
    "import type { Logger } from '../ports/logger';\nexport type L = Logger;",
    /nothing outside shared\/src\/domain/,
  ],
  [
    'the domain imports the domain',
    'shared/src/domain/planted.ts',
    "import { BadRequest } from './errors';\nvoid BadRequest;",
    null,
  ],
  [
    'the domain imports ioredis',
    'shared/src/domain/planted.ts',
    "import { Redis } from 'ioredis';\nvoid Redis;",
    /ioredis/,
  ],
  [
    'a port imports an adapter',
    'shared/src/ports/planted.ts',
    "import { InMemoryDialogueStore } from '../adapters/memory/memory-dialogue-store';\nvoid InMemoryDialogueStore;",
    /ports import only the domain/,
  ],
  [
    'a port imports the domain',
    'shared/src/ports/planted.ts',
    "import type { ParleyEvent } from '../domain/events';\nexport type E = ParleyEvent;",
    null,
  ],
  [
    'the Redis folder imports ioredis',
    'shared/src/adapters/redis/planted.ts',
    "import { Redis } from 'ioredis';\nvoid Redis;",
    null,
  ],
  [
    'the memory folder imports ioredis',
    'shared/src/adapters/memory/planted.ts',
    "import { Redis } from 'ioredis';\nvoid Redis;",
    /ioredis is imported only under/,
  ],
  [
    'composition imports amqplib',
    'shared/src/composition/planted.ts',
    "import amqp from 'amqplib';\nvoid amqp;",
    /amqplib is imported only under shared\/src\/adapters\/amqp/,
  ],
  [
    'the AMQP folder imports amqplib',
    'shared/src/adapters/amqp/planted.ts',
    "import amqp from 'amqplib';\nvoid amqp;",
    null,
  ],
  [
    'the http kit imports openai',
    'shared/src/http/planted.ts',
    "import OpenAI from 'openai';\nvoid OpenAI;",
    /openai is imported only under shared\/src\/adapters\/ai/,
  ],
  [
    'the http kit imports cloudevents',
    'shared/src/http/planted.ts',
    "import { HTTP } from 'cloudevents';\nvoid HTTP;",
    /cloudevents is imported only under shared\/src\/adapters\/cloudevents-http/,
  ],
  [
    'the CloudEvents binding imports cloudevents',
    'shared/src/adapters/cloudevents-http/planted.ts',
    "import { HTTP } from 'cloudevents';\nvoid HTTP;",
    null,
  ],
  [
    'the http kit imports the Prometheus adapter',
    'shared/src/http/planted.ts',
    "import { processMetrics } from '../adapters/prometheus/prom-metrics';\nvoid processMetrics;",
    /metrics from the composition root/,
  ],
  [
    'a service imports pino',
    'shared/src/services/planted.ts',
    "import pino from 'pino';\nvoid pino;",
    /pino is imported only under shared\/src\/observability/,
  ],
  [
    'the Redis store imports the memory store',
    'shared/src/adapters/redis/planted.ts',
    "import { InMemoryDialogueStore } from '../memory/memory-dialogue-store';\nvoid InMemoryDialogueStore;",
    /another one/,
  ],
  [
    'a provider imports another provider',
    'shared/src/adapters/ai/planted-provider.ts',
    "import { ScriptedProvider } from './scripted-provider';\nvoid ScriptedProvider;",
    /providers do not import each other/,
  ],
  [
    'a provider imports the prompts',
    'shared/src/adapters/ai/planted-provider.ts',
    "import { buildMessages } from './prompts';\nvoid buildMessages;",
    null,
  ],
];

let answer: LintAnswer;
beforeAll(() => {
  answer = lint(cases.map(([, filePath, code]) => ({ filePath, code })));
}, 120_000);

test.each(cases.map((c, i) => [...c, i] as const))('%s', (_name, _filePath, _code, expected, i) => {
  const messages = answer.planted[i]!;
  if (expected === null) expect(messages).toEqual([]);
  else expect(messages).toEqual([expect.stringMatching(expected)]);
});
