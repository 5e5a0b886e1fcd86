import { StoreUnavailable } from '../domain/errors';
import { buildEvent, type ParleyEvent } from '../domain/events';
import { MemoryEventBuffer } from '../adapters/memory/memory-event-buffer';
import { InProcessEventBus } from '../adapters/memory/in-process-event-bus';
import { createLogger } from '../observability/logger';
import type { EventBuffer } from '../ports/event-buffer';
import { BufferedEventPublisher } from './buffered-event-publisher';

const logger = createLogger('buffered-publisher-test', 'silent');
const event = (i: number): ParleyEvent =>
  buildEvent({
    id: `e-${i}`,
    type: 'analytics.logging',
    source: '/test',
    time: '2030-01-01T00:00:00.000Z',
    data: {
      task: 't',
      provider: 'p',
      model: 'm',
      latencyMs: 1,
      tokens: { prompt: 0, completion: 0, total: 0 },
      ok: true,
    },
  });

/** A broker that refuses until `up` is set. */
function broker() {
  const bus = new InProcessEventBus();
  const received: string[] = [];
  bus.subscribe(async (e) => void received.push(e.id));
  const state = { up: false };
  const target = {
    publish: async (events: ParleyEvent[]) => {
      if (!state.up) throw new Error('broker down');
      await bus.publish(events);
    },
    ping: async () => undefined,
    close: async () => undefined,
  };
  return { target, received, state };
}

describe('MemoryEventBuffer', () => {
  it('keeps at most its bound, dropping the oldest and counting them', async () => {
    const buffer = new MemoryEventBuffer(3);
    await buffer.append([1, 2, 3, 4, 5].map(event));
    expect((await buffer.head(10)).map((e) => e.id)).toEqual(['e-3', 'e-4', 'e-5']);
    expect(buffer.dropped).toBe(2);
  });

  it('acks only the head, in order', async () => {
    const buffer = new MemoryEventBuffer();
    await buffer.append([1, 2, 3].map(event));
    await buffer.ack(['e-2']);
    expect(buffer.size).toBe(3);
    await buffer.ack(['e-1', 'e-2']);
    expect((await buffer.head(10)).map((e) => e.id)).toEqual(['e-3']);
  });
});

describe('BufferedEventPublisher', () => {
  it('keeps events while the broker refuses them and sends each once it is back', async () => {
    const { target, received, state } = broker();
    const buffer = new MemoryEventBuffer();
    const publisher = new BufferedEventPublisher({ buffer, fallback: new MemoryEventBuffer(), target, logger });
    await publisher.publish([event(1), event(2)]);
    await publisher.flush();
    expect(received).toEqual([]);
    expect(buffer.size).toBe(2);
    state.up = true;
    await publisher.flush();
    expect(received).toEqual(['e-1', 'e-2']);
    expect(buffer.size).toBe(0);
  });

  it('holds events in memory while its durable buffer is down, and sends them from there', async () => {
    const { target, received, state } = broker();
    const down: EventBuffer = {
      append: async () => Promise.reject(new StoreUnavailable('redis down')),
      head: async () => Promise.reject(new StoreUnavailable('redis down')),
      ack: async () => Promise.reject(new StoreUnavailable('redis down')),
      ping: async () => Promise.reject(new StoreUnavailable('redis down')),
      close: async () => undefined,
    };
    const fallback = new MemoryEventBuffer();
    const publisher = new BufferedEventPublisher({ buffer: down, fallback, target, logger });
    await publisher.publish([event(1)]);
    await publisher.flush();
    expect(fallback.size).toBe(1);
    state.up = true;
    await publisher.flush();
    expect(received).toEqual(['e-1']);
    expect(fallback.size).toBe(0);
  });
});
