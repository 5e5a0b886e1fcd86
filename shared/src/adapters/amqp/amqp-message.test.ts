import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadRequest, UnsupportedMediaType } from '../../domain/errors';
import { EVENT_DATA_SCHEMAS, EVENT_TYPES, ParleyEventSchema, type ParleyEvent } from '../../domain/events';
import { decodeAmqpMessage, encodeAmqpMessage, type AmqpPublishOptions } from './amqp-message';

type Fixture = { event: ParleyEvent; amqp: { routingKey: string; options: AmqpPublishOptions; content: string } };

const FIXTURES = join(__dirname, '../../../../test/fixtures/amqp');
const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, fixture: JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Fixture }));
const progress = fixtures.find((f) => f.file === 'dialogue.progress.json')!.fixture;

/** What a consumer gets back for a fixture's encoding. */
function delivered(amqp: Fixture['amqp'], headers: Record<string, unknown> = amqp.options.headers) {
  return {
    content: Buffer.from(amqp.content, 'utf8'),
    properties: { headers, messageId: amqp.options.messageId, contentType: amqp.options.contentType },
  };
}

describe('AMQP message layout (golden fixtures)', () => {
  it('has one fixture per event type, each a valid event with valid data', () => {
    expect(fixtures.map((f) => f.fixture.event.type).sort()).toEqual([...EVENT_TYPES].sort());
    for (const { fixture } of fixtures) {
      expect(ParleyEventSchema.parse(fixture.event)).toStrictEqual(fixture.event);
      expect(() => EVENT_DATA_SCHEMAS[fixture.event.type].parse(fixture.event.data)).not.toThrow();
    }
  });

  it.each(fixtures)('encodes $file exactly as recorded', ({ fixture }) => {
    const encoded = encodeAmqpMessage(fixture.event);
    expect(encoded.routingKey).toBe(fixture.amqp.routingKey);
    expect(encoded.options).toStrictEqual(fixture.amqp.options);
    expect(encoded.content.toString('utf8')).toBe(fixture.amqp.content);
  });

  it.each(fixtures)('decodes the recorded encoding of $file back to the event', ({ fixture }) => {
    expect(decodeAmqpMessage(delivered(fixture.amqp))).toStrictEqual(fixture.event);
  });

  it('writes the broker layout: unprefixed attribute headers, zero-padded string sequence, message_id, content_type', () => {
    const { options } = encodeAmqpMessage(progress.event);
    expect(Object.keys(options.headers).sort()).toEqual([
      'content-type',
      'id',
      'sequence',
      'source',
      'specversion',
      'subject',
      'time',
      'traceparent',
      'type',
    ]);
    expect(options.headers.sequence).toBe(String(progress.event.sequence).padStart(10, '0'));
    expect(options.messageId).toBe(progress.event.id);
    expect(options.contentType).toBe('application/json');
    expect(options.persistent).toBe(true);
  });
});

describe('decodeAmqpMessage', () => {
  const prefixed = (headers: Record<string, string>) =>
    Object.fromEntries(Object.entries(headers).map(([k, v]) => [k === 'content-type' ? k : `ce-${k}`, v]));

  it('accepts ce-prefixed headers, in any letter case', () => {
    const headers = prefixed(progress.amqp.options.headers);
    expect(decodeAmqpMessage(delivered(progress.amqp, headers))).toStrictEqual(progress.event);
    const shouting = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(decodeAmqpMessage(delivered(progress.amqp, shouting))).toStrictEqual(progress.event);
  });

  it('prefers the unprefixed header when both are present', () => {
    const headers = { ...progress.amqp.options.headers, 'ce-source': '/elsewhere' };
    expect(decodeAmqpMessage(delivered(progress.amqp, headers)).source).toBe(progress.event.source);
  });

  it('reads byte-array and numeric header values, and falls back to message_id and content_type', () => {
    const { id: _id, 'content-type': _ct, sequence, ...rest } = progress.amqp.options.headers;
    const headers = {
      ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, Buffer.from(v)])),
      sequence: Number(sequence),
    };
    expect(decodeAmqpMessage(delivered(progress.amqp, headers))).toStrictEqual(progress.event);
  });

  it('writes sequences that sort as the turns do, and keeps the id with the bare number', () => {
    const turns = [0, 1, 2, 9, 10, 11, 99, 100, 12345];
    const encoded = turns.map(
      (n) => encodeAmqpMessage({ ...progress.event, sequence: n, id: `d.dialogue.progress.${n}` }).options,
    );
    expect(encoded.map((o) => o.headers.sequence).sort()).toEqual(encoded.map((o) => o.headers.sequence));
    expect(encoded.map((o) => o.headers.sequence)).toContain('0000000010');
    expect(encoded.map((o) => o.messageId)).toContain('d.dialogue.progress.10');
  });

  it('reads the sequence padded (this version) and unpadded (earlier versions) alike', () => {
    for (const sequence of ['1', '0000000001', '01']) {
      const headers = { ...progress.amqp.options.headers, sequence };
      expect(decodeAmqpMessage(delivered(progress.amqp, headers)).sequence).toBe(1);
    }
  });

  it('ignores RabbitMQ x- headers and extensions that are not ParleyEvent attributes', () => {
    const headers = {
      ...progress.amqp.options.headers,
      'x-death': [{ count: 1 }],
      tracestate: 'vendor=1',
      knativearrivaltime: '2025-03-01T10:00:00Z',
    };
    expect(decodeAmqpMessage(delivered(progress.amqp, headers))).toStrictEqual(progress.event);
  });

  it.each([
    ['a missing type', { type: undefined }],
    ['an unknown type', { type: 'dialogue.exploded' }],
    ['a non-numeric sequence', { sequence: 'three' }],
    ['a negative sequence', { sequence: '-1' }],
    ['a time that is not ISO 8601', { time: 'yesterday' }],
    ['a wrong specversion', { specversion: '0.3' }],
  ])('refuses %s with BadRequest', (_what, change: Record<string, string | undefined>) => {
    const headers: Record<string, unknown> = { ...progress.amqp.options.headers, ...change };
    for (const [k, v] of Object.entries(headers)) if (v === undefined) delete headers[k];
    expect(() => decodeAmqpMessage(delivered(progress.amqp, headers))).toThrow(BadRequest);
  });

  it('refuses a non-JSON content type with UnsupportedMediaType', () => {
    const headers = { ...progress.amqp.options.headers, 'content-type': 'text/plain' };
    expect(() => decodeAmqpMessage(delivered(progress.amqp, headers))).toThrow(UnsupportedMediaType);
  });

  // What the Knative RabbitMQ broker's reader accepts, Parley's consumers accept too.
  it.each([
    ['a time with +00:00', { time: '2025-03-01T10:00:03+00:00' }, { time: '2025-03-01T10:00:03+00:00' }],
    ['a time with +02:00', { time: '2025-03-01T12:00:03.000+02:00' }, { time: '2025-03-01T12:00:03.000+02:00' }],
    ['lower-case t and z', { time: '2025-03-01t10:00:03.000z' }, { time: '2025-03-01T10:00:03.000Z' }],
    ['a content type with parameters', { 'content-type': 'application/json; charset=utf-8' }, {}],
    ['a content type in another case', { 'content-type': 'Application/JSON' }, {}],
    ['no time at all', { time: undefined }, { time: undefined }],
  ])('reads %s', (_what, change: Record<string, string | undefined>, expected: Record<string, unknown>) => {
    const headers: Record<string, unknown> = { ...progress.amqp.options.headers, ...change };
    for (const [k, v] of Object.entries(headers)) if (v === undefined) delete headers[k];
    const decoded = decodeAmqpMessage(delivered(progress.amqp, headers));
    expect(decoded).toStrictEqual(JSON.parse(JSON.stringify({ ...progress.event, ...expected })));
  });

  it('ignores a junk traceparent, as the broker does', () => {
    const headers = { ...progress.amqp.options.headers, traceparent: 'junk' };
    const { traceparent: _t, ...untraced } = progress.event;
    expect(decodeAmqpMessage(delivered(progress.amqp, headers))).toStrictEqual(untraced);
  });

  it('reads a structured-mode message (the whole event as application/cloudevents+json)', () => {
    const content = Buffer.from(JSON.stringify({ ...progress.event, sequence: '0000000001' }));
    const message = {
      content,
      properties: { headers: {}, contentType: 'application/cloudevents+json; charset=utf-8' },
    };
    expect(decodeAmqpMessage(message)).toStrictEqual(progress.event);
  });

  it('refuses a body that is not JSON, and a message without headers', () => {
    const message = delivered(progress.amqp);
    expect(() => decodeAmqpMessage({ ...message, content: Buffer.from('{not json') })).toThrow(/not valid JSON/);
    expect(() => decodeAmqpMessage({ content: message.content, properties: {} })).toThrow(BadRequest);
  });
});
