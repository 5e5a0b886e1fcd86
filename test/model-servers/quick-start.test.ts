/**
 * docs/local-models.md's Ollama and llama.cpp quick starts, as written (their settings read from the
 * page), run through the real `npm start` bundle against the loopback OpenAI-compatible server in
 * place of the real one: a dialogue starts and a turn is played, with the model and key the page names.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FakeOpenAiServer } from '../support/fake-openai-server';
import { ROOT, buildStandalone, startStandalone } from '../support/standalone-process';

const page = readFileSync(path.join(ROOT, 'docs', 'local-models.md'), 'utf8');

/** The VAR=value settings of the first code block under `heading` (shell lines or a .env block). */
function settingsUnder(heading: string): Record<string, string> {
  const section = page.slice(page.indexOf(heading));
  const blocks = [...section.matchAll(/```(?:bash)?\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const settings: Record<string, string> = {};
  for (const block of blocks.slice(0, 2))
    for (const m of block.matchAll(/\b([A-Z][A-Z_]+)=(\S+)/g)) settings[m[1]!] ??= m[2]!;
  return settings;
}

let fake: FakeOpenAiServer;
beforeAll(async () => {
  buildStandalone();
  fake = await new FakeOpenAiServer().start();
}, 120_000);
afterAll(async () => {
  await fake?.stop();
});

test.each([
  ['## Ollama', 'qwen2.5:1.5b-instruct', 'ollama'],
  ["## llama.cpp's server", 'qwen2.5-1.5b-instruct', 'none'],
])(
  '%s: the documented settings play a dialogue',
  async (heading, model, key) => {
    const settings = settingsUnder(heading);
    expect(settings).toMatchObject({ AI_PROVIDER: 'openai', AI_MODEL: model, OPENAI_API_KEY: key });
    // Only the server's address changes: the loopback server stands in for it.
    expect(settings.OPENAI_BASE_URL).toMatch(/^http:\/\/[^/]+:\d+\/v1$/);
    const server = await startStandalone({ ...settings, OPENAI_BASE_URL: fake.url });
    try {
      fake.answerNext();
      const headers = { 'content-type': 'application/json', 'x-player-id': 'quick-start' };
      const started = await fetch(`${server.url}/v1/dialogues`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ characterId: 'innkeeper-mara', goalId: 'learn-rumour' }),
      });
      expect(started.status).toBe(201);
      const { dialogue } = (await started.json()) as { dialogue: { id: string } };
      const turn = await fetch(`${server.url}/v1/dialogues/${dialogue.id}/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ messageId: 'm1', text: 'Lovely stew.' }),
      });
      expect(turn.status).toBe(200);
      expect(fake.received.length).toBeGreaterThan(0);
      for (const request of fake.received) {
        expect(request.path).toBe('/v1/chat/completions');
        expect(request.body.model).toBe(model);
        expect(request.headers.authorization).toBe(`Bearer ${key}`);
      }
    } finally {
      await server.close();
    }
  },
  120_000,
);
