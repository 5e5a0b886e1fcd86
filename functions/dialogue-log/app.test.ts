import { createLogger } from '@parley/shared/composition';
import { MemorySeenEvents } from '@parley/shared/testing';
import { analyticsScenario } from '../../test/analytics-scenario';
import { captureLogger } from '../../test/support/capture-logger';
import { postBinaryEvent, postStructuredEvent } from '../../test/support/cloudevent-http';
import { listen } from '../../test/support/http';
import { createApp } from './app';
import { createLogHandler } from './handler';

describe('dialogue-log app', () => {
  const events = analyticsScenario();
  let server: Awaited<ReturnType<typeof listen>>;
  let lines: Array<Record<string, unknown>>;
  let seenDown = false;

  beforeAll(async () => {
    const captured = captureLogger();
    lines = captured.lines;
    const seen = new MemorySeenEvents();
    const handler = createLogHandler({ logger: captured.logger, seen });
    const readiness = {
      seenEvents: async () => {
        if (seenDown) throw new Error('down');
      },
    };
    server = await listen(createApp({ handler, logger: createLogger('test', 'silent'), readiness }));
  });
  afterAll(async () => {
    await server.close();
  });

  const loggedIds = () => lines.map((l) => (l.event as { id: string } | undefined)?.id);

  it('accepts a binary-mode CloudEvent with 204 and no body, and logs it', async () => {
    const event = events[0]!;
    const res = await postBinaryEvent(`${server.url}/`, event);
    expect(res).toEqual({ status: 204, text: '' });
    expect(loggedIds()).toContain(event.id);
    const line = lines.find((l) => (l.event as { id: string }).id === event.id)!;
    expect(line.event).toMatchObject({
      type: event.type,
      subject: event.subject,
      sequence: 0,
      source: event.source,
      time: event.time,
    });
  });

  it('accepts a structured-mode CloudEvent with 204 and no body, and logs it', async () => {
    const event = events.find((e) => e.type === 'dialogue.resolve')!;
    const res = await postStructuredEvent(`${server.url}/`, event);
    expect(res).toEqual({ status: 204, text: '' });
    expect(loggedIds()).toContain(event.id);
  });

  it('logs a redelivered event once', async () => {
    const event = events.find((e) => e.type === 'analytics.logging')!;
    expect((await postBinaryEvent(`${server.url}/`, event)).status).toBe(204);
    expect((await postStructuredEvent(`${server.url}/`, event)).status).toBe(204);
    expect(loggedIds().filter((id) => id === event.id)).toHaveLength(1);
  });

  it('answers 400 with an error body to an invalid CloudEvent', async () => {
    const before = lines.length;
    const res = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'x', 'ce-source': '/t' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('BadRequest');
    expect(typeof body.error.message).toBe('string');
    expect(lines.length).toBe(before);
  });

  it('answers /readyz from its own dependency', async () => {
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    seenDown = true;
    try {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    } finally {
      seenDown = false;
    }
  });
});
