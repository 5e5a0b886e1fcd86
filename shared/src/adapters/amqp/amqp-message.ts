import { BadRequest, UnsupportedMediaType } from '../../domain/errors';
import { formatSequence, type ParleyEvent } from '../../domain/events';
import {
  checkCharset,
  isJsonMediaType,
  readMediaType,
  toParleyEvent,
  type MediaType,
} from '../../domain/cloudevent-attributes';

/**
 * The AMQP layout of a CloudEvent, as the Knative RabbitMQ broker writes it
 * (knative-extensions/eventing-rabbitmq `pkg/rabbit/message.go`, `CloudEventToRabbitMQMessage`):
 * every attribute and extension is a header under its own name with no prefix, `content-type`
 * carries datacontenttype, `message_id` is the id and the body is the data. Keeping that layout
 * lets a Knative broker dispatcher and our own consumers read the same queues.
 */
export type AmqpPublishOptions = {
  headers: Record<string, string>;
  messageId: string;
  contentType: string;
  persistent: true;
  /** Seconds since the epoch, as AMQP defines the timestamp property; absent when the event has no time. */
  timestamp?: number;
  type: string;
};
export type EncodedAmqpMessage = { routingKey: string; content: Buffer; options: AmqpPublishOptions };

/** What a consumer hands us: amqplib's `ConsumeMessage` fits this. */
export type IncomingAmqpMessage = {
  content: Buffer;
  properties: { headers?: Record<string, unknown> | undefined; messageId?: unknown; contentType?: unknown };
};

const CE_PREFIX = 'ce-';
/** The broker's reader skips `x-` headers: they belong to RabbitMQ (x-death, x-delay...). */
const RABBIT_PREFIX = 'x-';
const WHAT = 'AMQP CloudEvent';

export function encodeAmqpMessage(event: ParleyEvent): EncodedAmqpMessage {
  const headers: Record<string, string> = {
    specversion: event.specversion,
    id: event.id,
    source: event.source,
    type: event.type,
    'content-type': event.datacontenttype,
  };
  if (event.time !== undefined) headers.time = event.time;
  if (event.subject !== undefined) headers.subject = event.subject;
  // Extensions travel as strings, as CloudEvents bindings carry them; zero-padded so they sort.
  if (event.sequence !== undefined) headers.sequence = formatSequence(event.sequence);
  if (event.traceparent !== undefined) headers.traceparent = event.traceparent;
  return {
    routingKey: event.type,
    content: event.data === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(event.data), 'utf8'),
    options: {
      headers,
      messageId: event.id,
      contentType: event.datacontenttype,
      persistent: true,
      ...(event.time === undefined ? {} : { timestamp: Math.floor(Date.parse(event.time) / 1000) }),
      type: event.type,
    },
  };
}

/**
 * Reads an AMQP message back into a ParleyEvent, accepting what the Knative RabbitMQ broker's reader
 * accepts: unprefixed headers (the broker's layout) and `ce-`-prefixed ones in any letter case, and
 * structured-mode messages (`content-type: application/cloudevents+json`, the whole event in the
 * body). The attribute rules (optional time and data, RFC 3339 with offsets, JSON content types with
 * parameters, junk traceparent ignored, unknown extensions dropped) are `toParleyEvent`'s.
 * @throws BadRequest or UnsupportedMediaType when the message is not an event Parley can read.
 */
export function decodeAmqpMessage(message: IncomingAmqpMessage): ParleyEvent {
  const attributes = new Map<string, string>();
  for (const [rawKey, rawValue] of Object.entries(message.properties.headers ?? {})) {
    const key = rawKey.toLowerCase();
    if (key.startsWith(RABBIT_PREFIX)) continue;
    const value = headerText(rawValue);
    if (value === undefined) continue;
    const name = key.startsWith(CE_PREFIX) ? key.slice(CE_PREFIX.length) : key;
    // An unprefixed header wins over a prefixed twin: it is the broker's own layout.
    if (!attributes.has(name) || !key.startsWith(CE_PREFIX)) attributes.set(name, value);
  }
  const contentType = attributes.get('content-type') ?? stringOrUndefined(message.properties.contentType);
  const media = contentType === undefined ? undefined : readMediaType(contentType);
  if (media?.type.startsWith('application/cloudevents')) return structuredMessage(media, message.content);

  const read = new Map<string, unknown>();
  for (const name of ['specversion', 'id', 'source', 'type', 'subject', 'time', 'traceparent', 'sequence']) {
    const value = attributes.get(name);
    if (value !== undefined) read.set(name, value);
  }
  if (!read.has('id')) {
    const messageId = stringOrUndefined(message.properties.messageId);
    if (messageId !== undefined) read.set('id', messageId);
  }
  const datacontenttype = contentType ?? attributes.get('datacontenttype');
  if (datacontenttype !== undefined) read.set('datacontenttype', datacontenttype);
  if (message.content.length === 0) return toParleyEvent(read, { present: false }, WHAT);
  // A non-JSON content type is refused by its media type, before the body is read as JSON.
  const dataMedia = datacontenttype === undefined ? undefined : readMediaType(datacontenttype);
  if (dataMedia && !isJsonMediaType(dataMedia.type))
    return toParleyEvent(read, { present: true, value: undefined }, WHAT);
  return toParleyEvent(read, { present: true, value: parseBody(message.content) }, WHAT);
}

function structuredMessage(media: MediaType, content: Buffer): ParleyEvent {
  if (media.type !== 'application/cloudevents+json') {
    throw new UnsupportedMediaType(
      `${WHAT}: format ${media.type} is not supported; Parley reads application/cloudevents+json or the binary layout`,
    );
  }
  checkCharset(media, WHAT);
  const json = parseBody(content);
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new BadRequest(`invalid ${WHAT}: a structured event is a JSON object`);
  const members = json as Record<string, unknown>;
  const attributes = new Map(Object.entries(members).filter(([name]) => name !== 'data' && name !== 'data_base64'));
  if (typeof members.data_base64 === 'string') {
    return toParleyEvent(
      attributes,
      { present: true, value: parseBody(Buffer.from(members.data_base64, 'base64')) },
      WHAT,
    );
  }
  return toParleyEvent(
    attributes,
    'data' in members ? { present: true, value: members.data } : { present: false },
    WHAT,
  );
}

/** Header values arrive as amqplib decodes them: strings, numbers, booleans or byte arrays. */
function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function parseBody(content: Buffer): unknown {
  try {
    return JSON.parse(content.toString('utf8'));
  } catch (err) {
    throw new BadRequest(`invalid ${WHAT}: body is not valid JSON`, { cause: err });
  }
}
