import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import type { ParleyEvent } from '../../domain/events';
import { createHttpApp } from '../../http/create-app';
import { parseCloudEventRequest } from '../cloudevents-http/cloudevent-http-binding';
import { createLogger } from '../../observability/logger';
import { describeEventPublisherContract, sampleDialogueEvents } from './event-publisher.contract';
import { HttpSinkEventPublisher } from '../cloudevents-http/http-sink-event-publisher';
import { InProcessEventBus } from '../memory/in-process-event-bus';

// The AMQP publisher runs the same contract against RabbitMQ in event-publisher.int.test.ts.
const logger = createLogger('event-publisher-test', 'silent');
const dialogueId = () => randomUUID();

/** A loopback CloudEvents receiver built like a subscriber function: createHttpApp + parseCloudEventRequest. */
async function startReceiver() {
  const received: ParleyEvent[] = [];
  const requests: Array<Record<string, string | string[] | undefined>> = [];
  const state = { status: 202 };
  const router = Router();
  router.post('/events', (req, res) => {
    requests.push(req.headers);
    if (state.status >= 300) {
      res.status(state.status).json({ error: { code: 'Nack', message: 'broker said no' } });
      return;
    }
    received.push(parseCloudEventRequest(req.headers, req.body));
    res.status(state.status).end();
  });
  const app = createHttpApp({ logger, readiness: {}, routes: router });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    received,
    requests,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describeEventPublisherContract('InProcessEventBus', async () => {
  const bus = new InProcessEventBus();
  const received: ParleyEvent[] = [];
  bus.subscribe(async (event) => {
    received.push(event);
  });
  return { publisher: bus, received: async () => [...received], cleanup: () => bus.close() };
});

describeEventPublisherContract('HttpSinkEventPublisher (loopback receiver)', async () => {
  const receiver = await startReceiver();
  return {
    publisher: new HttpSinkEventPublisher({ sink: receiver.url }),
    received: async () => [...receiver.received],
    cleanup: () => receiver.close(),
  };
});

describe('InProcessEventBus', () => {
  it('calls every handler for each event in order and rejects when one fails', async () => {
    const bus = new InProcessEventBus();
    const calls: string[] = [];
    bus.subscribe(async (e) => void calls.push(`a:${e.sequence}`));
    const unsubscribe = bus.subscribe(async (e) => {
      if (e.type === 'dialogue.resolve') throw new Error('analytics down');
      calls.push(`b:${e.sequence}`);
    });
    const events = sampleDialogueEvents(dialogueId());
    await expect(bus.publish(events)).rejects.toThrow('analytics down');
    expect(calls).toEqual(['a:0', 'b:0', 'a:1', 'b:1', 'a:2']);

    unsubscribe();
    calls.length = 0;
    await bus.publish(events.slice(0, 1));
    expect(calls).toEqual(['a:0']);
  });

  it('gives each handler its own copy of the event', async () => {
    const bus = new InProcessEventBus();
    const seen: ParleyEvent[] = [];
    bus.subscribe(async (e) => {
      e.subject = 'changed by a careless handler';
    });
    bus.subscribe(async (e) => void seen.push(e));
    const [event] = sampleDialogueEvents(dialogueId());
    await bus.publish([event!]);
    expect(seen[0]).toStrictEqual(event);
  });
});

describe('HttpSinkEventPublisher', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('sends binary mode: ce- headers, sequence as a zero-padded string, the W3C traceparent, a JSON body', async () => {
    const [initiate] = sampleDialogueEvents(dialogueId());
    await new HttpSinkEventPublisher({ sink: receiver.url }).publish([initiate!]);
    expect(receiver.requests[0]).toMatchObject({
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': initiate!.id,
      'ce-type': 'dialogue.initiate',
      'ce-source': '/parley/dialogue-start',
      'ce-subject': initiate!.subject,
      'ce-time': initiate!.time,
      'ce-sequence': '0000000000',
      'ce-traceparent': initiate!.traceparent,
      traceparent: initiate!.traceparent,
    });
    expect(receiver.received).toStrictEqual([initiate]);
  });

  it('resolves on a 202', async () => {
    receiver.state.status = 202;
    await expect(
      new HttpSinkEventPublisher({ sink: receiver.url }).publish(sampleDialogueEvents(dialogueId())),
    ).resolves.toBeUndefined();
    expect(receiver.received).toHaveLength(4);
  });

  it('rejects when the sink answers 500, and sends nothing after the failed event', async () => {
    receiver.state.status = 500;
    const events = sampleDialogueEvents(dialogueId());
    await expect(new HttpSinkEventPublisher({ sink: receiver.url }).publish(events)).rejects.toThrow(
      /answered 500 for event .*dialogue\.initiate/,
    );
    expect(receiver.requests).toHaveLength(1);
  });

  it('rejects when the sink answers 400 (an event the broker refuses)', async () => {
    receiver.state.status = 400;
    await expect(
      new HttpSinkEventPublisher({ sink: receiver.url }).publish(sampleDialogueEvents(dialogueId())),
    ).rejects.toThrow(/answered 400/);
  });

  it('rejects when the sink is unreachable', async () => {
    await expect(
      new HttpSinkEventPublisher({ sink: 'http://127.0.0.1:1/' }).publish(sampleDialogueEvents(dialogueId())),
    ).rejects.toThrow(/unreachable/);
  });

  it('sends with the fetch it is given, and times out with it', async () => {
    const seen: string[] = [];
    const hanging: typeof fetch = (input, init) => {
      seen.push(String(input));
      return new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    };
    const publisher = new HttpSinkEventPublisher({
      sink: 'http://broker-ingress.test/ns/default',
      fetch: hanging,
      timeoutMs: 50,
    });
    await expect(publisher.publish(sampleDialogueEvents(dialogueId()))).rejects.toThrow(/unreachable/);
    expect(seen).toEqual(['http://broker-ingress.test/ns/default']);
  });

  it('adds K_CE_OVERRIDES extensions, but never lets them replace the event identity', async () => {
    const [event] = sampleDialogueEvents(dialogueId());
    const publisher = new HttpSinkEventPublisher({
      sink: receiver.url,
      ceOverrides: '{"extensions":{"cluster":"eu-1","id":"hijacked","sequence":"99"}}',
    });
    await publisher.publish([event!]);
    expect(receiver.requests[0]).toMatchObject({
      'ce-cluster': 'eu-1',
      'ce-id': event!.id,
      'ce-sequence': '0000000000',
    });
    // The receiver drops extensions that are not ParleyEvent attributes.
    expect(receiver.received).toStrictEqual([event]);
  });

  it('refuses invalid K_CE_OVERRIDES at construction', () => {
    expect(() => new HttpSinkEventPublisher({ sink: receiver.url, ceOverrides: '{nope' })).toThrow(/K_CE_OVERRIDES/);
    expect(
      () => new HttpSinkEventPublisher({ sink: receiver.url, ceOverrides: '{"extensions":{"Bad-Name":"x"}}' }),
    ).toThrow(/K_CE_OVERRIDES/);
  });
});
