import { BadRequest } from '../domain/errors';
import { ParleyEventSchema, formatSequence, readSequence, type ParleyEvent } from '../domain/events';
import { parseInput } from '../http/validate';

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
  /** Seconds since the epoch, as AMQP defines the timestamp property. */
  timestamp: number;
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

export function encodeAmqpMessage(event: ParleyEvent): EncodedAmqpMessage {
  const headers: Record<string, string> = {
    specversion: event.specversion,
    id: event.id,
    source: event.source,
    type: event.type,
    time: event.time,
    'content-type': event.datacontenttype,
  };
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
      timestamp: Math.floor(Date.parse(event.time) / 1000),
      type: event.type,
    },
  };
}

/**
 * Reads an AMQP message back into a ParleyEvent. Accepts unprefixed headers (the broker's layout)
 * and `ce-`-prefixed ones, as the broker's reader does. Headers that are not ParleyEvent attributes
 * (tracestate, extensions added by others) are dropped rather than refused, so a new extension
 * upstream does not stop our consumers. Throws `BadRequest` when the result is not a valid event.
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

  const candidate: Record<string, unknown> = {};
  const copy = (name: string, value: string | undefined) => {
    if (value !== undefined) candidate[name] = value;
  };
  copy('specversion', attributes.get('specversion'));
  copy('id', attributes.get('id') ?? stringOrUndefined(message.properties.messageId));
  copy('source', attributes.get('source'));
  copy('type', attributes.get('type'));
  copy('subject', attributes.get('subject'));
  copy('time', attributes.get('time'));
  copy(
    'datacontenttype',
    attributes.get('content-type') ?? attributes.get('datacontenttype') ?? stringOrUndefined(message.properties.contentType),
  );
  copy('traceparent', attributes.get('traceparent'));
  const sequence = attributes.get('sequence');
  if (sequence !== undefined) candidate.sequence = parseSequence(sequence);
  if (message.content.length > 0) candidate.data = parseBody(message.content);
  return parseInput(ParleyEventSchema, candidate, 'AMQP CloudEvent');
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

function parseSequence(value: string): number {
  const sequence = readSequence(value);
  if (sequence === undefined) throw new BadRequest(`invalid AMQP CloudEvent: sequence: "${value}" is not a non-negative integer`);
  return sequence;
}

function parseBody(content: Buffer): unknown {
  try {
    return JSON.parse(content.toString('utf8'));
  } catch (err) {
    throw new BadRequest('invalid AMQP CloudEvent: body is not valid JSON', { cause: err });
  }
}
