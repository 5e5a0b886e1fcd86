import { headerAuthenticator } from '@parley/shared/http';
import { gate, inMemoryDialogue } from '../../test/support/in-memory-dialogue';
import { listen } from '../../test/support/http';
import { createApp } from './app';

describe('POST /v1/dialogues/:id/messages publishes after the answer', () => {
  test.each([
    ['JSON', {} as Record<string, string>],
    ['SSE', { accept: 'text/event-stream' } as Record<string, string>],
  ])('%s: the turn answers while the broker still holds its events, which follow in order', async (_, headers) => {
    const kit = inMemoryDialogue();
    const dialogue = await kit.seedDialogue('player-1');
    // A broker that does not confirm until the test lets it: the relay's publish waits here.
    const broker = gate();
    kit.bus.subscribe(async (event) => {
      if (event.type === 'dialogue.progress') await broker.pass();
    });
    const app = createApp(kit.deps('dialogue-message'), {
      logger: kit.logger,
      readiness: {},
      access: { auth: headerAuthenticator() },
    });
    const server = await listen(app);
    try {
      const res = await fetch(`${server.url}/v1/dialogues/${dialogue.id}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-player-id': 'player-1', ...headers },
        body: JSON.stringify({ messageId: 'm-1', text: 'Your forge is the finest in town.' }),
      });
      // The whole answer, to its last byte (the stream's `done` event).
      const body = await res.text();
      expect(res.status).toBe(200);
      expect(body).toContain(headers.accept ? 'event: done' : '"replayed":false');
      // Answered, and the publish is still waiting for its confirm: the player did not wait for it.
      await broker.reached;
      expect(await kit.store.pendingEvents(dialogue.id, 50)).not.toEqual([]);
      broker.open();
      while ((await kit.store.pendingEvents(dialogue.id, 50)).length > 0)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(kit.dialogueEvents(dialogue.id).map((e) => [e.type, e.sequence])).toEqual([
        ['dialogue.initiate', 0],
        ['dialogue.progress', 1],
      ]);
    } finally {
      await server.close();
    }
  });
});
