/**
 * A subscriber logs the trace an event carried, or none: never the span the subscriber's own request
 * frame started (with tracing on, as every function runs, a request without a traceparent starts one).
 */
import { createLogger, startTracing } from '@parley/shared/composition';
import { MemorySeenEvents } from '@parley/shared/testing';
import { createApp } from '../../functions/dialogue-log/app';
import { createLogHandler } from '../../functions/dialogue-log/handler';
import { analyticsScenario } from '../analytics-scenario';
import { captureLogger } from '../support/capture-logger';
import { postBinaryEvent } from '../support/cloudevent-http';
import { listen } from '../support/http';

startTracing('test');

const events = analyticsScenario();
const captured = captureLogger();
let server: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  const handler = createLogHandler({ logger: captured.logger, seen: new MemorySeenEvents() });
  server = await listen(createApp({ handler, logger: createLogger('test', 'silent'), readiness: {} }));
});
afterAll(async () => {
  await server.close();
});

const loggedEvent = (id: string) =>
  captured.lines.find((l) => (l.event as { id?: string } | undefined)?.id === id)?.event as Record<string, unknown>;

test('an event that carried no trace is logged with none', async () => {
  const { traceparent: _none, ...event } = { ...events[0]!, id: 'no-trace-1' };
  expect((await postBinaryEvent(`${server.url}/`, event)).status).toBe(204);
  expect(loggedEvent(event.id)).toBeDefined();
  expect(loggedEvent(event.id)).not.toHaveProperty('traceparent');
});

test('an event with a traceparent extension is logged with exactly that one', async () => {
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const event = { ...events[1]!, id: 'ce-trace-1', traceparent };
  expect((await postBinaryEvent(`${server.url}/`, event)).status).toBe(204);
  expect(loggedEvent(event.id)).toMatchObject({ traceparent });
});

test('an event whose trace came only in the W3C header (the RabbitMQ broker) is logged with that header', async () => {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const { traceparent: _none, ...event } = { ...events[2]!, id: 'w3c-trace-1' };
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'ce-specversion': '1.0',
    'ce-id': event.id,
    'ce-source': event.source,
    'ce-type': event.type,
    traceparent,
  };
  const res = await fetch(`${server.url}/`, { method: 'POST', headers, body: JSON.stringify(event.data) });
  expect(res.status).toBe(204);
  expect(loggedEvent(event.id)).toMatchObject({ traceparent });
});
