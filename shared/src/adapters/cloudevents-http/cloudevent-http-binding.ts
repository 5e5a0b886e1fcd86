/** The CloudEvents HTTP binding of a ParleyEvent, both ways, with no I/O: encode for a sink, decode a delivery. */
import { CloudEvent, HTTP } from 'cloudevents';
import { BadRequest, UnsupportedMediaType } from '../../domain/errors';
import { formatSequence, type ParleyEvent } from '../../domain/events';
import { checkCharset, isJsonMediaType, readMediaType, toParleyEvent } from '../../domain/cloudevent-attributes';

export type IncomingHeaders = Record<string, string | string[] | undefined>;

const STRUCTURED_JSON = 'application/cloudevents+json';
const BATCH_JSON = 'application/cloudevents-batch+json';
const WHAT = 'CloudEvent';

/**
 * A ParleyEvent as an HTTP request in CloudEvents binary mode (`ce-*` headers, the data as the
 * body), encoded by the cloudevents SDK, which validates the event against the spec on the way.
 * `extensions` (K_CE_OVERRIDES) are added first, so the event's own attributes win. The W3C
 * `traceparent` header repeats the extension: tracing middleware (the broker ingress included)
 * reads the header, not the extension. Throws the SDK's `ValidationError` for an invalid event.
 */
export function encodeCloudEventHttp(
  event: ParleyEvent,
  extensions: Record<string, string | number | boolean> = {},
): { headers: Record<string, string>; body: string } {
  const message = HTTP.binary(toCloudEvent(event, extensions));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) headers[name] = String(value);
  if (event.traceparent !== undefined) headers.traceparent = event.traceparent;
  return { headers, body: message.body as string };
}

/**
 * Reads the CloudEvent of an HTTP request (a Knative trigger delivery, the cloudevents SDK's emitter,
 * a test) by the CloudEvents 1.0 HTTP protocol binding:
 * - `application/cloudevents+json` (any case, with parameters) is structured mode;
 * - any other `application/cloudevents...` (a batch, another event format) is refused with 415
 *   naming it: Parley reads one JSON event per request;
 * - anything else is binary mode: attributes in `ce-` headers, percent-decoded as UTF-8 (invalid
 *   UTF-8 is a 400), `Content-Type` the datacontenttype, the body the data.
 * `body` is the request's raw bytes (a Buffer or string), or a value express.json already parsed.
 * The rules shared with the AMQP reader (optional time and data, JSON by default, lenient sequence
 * and traceparent) live in `toParleyEvent`. When the event has no traceparent extension, the W3C
 * `traceparent` header stands in: the Knative RabbitMQ broker carries the trace there.
 * The cloudevents SDK's own reader is not used: it invents a missing id and time, turns an unreadable
 * time into now, and neither decodes percent-encoded headers nor accepts media type parameters.
 * @throws BadRequest (400) or UnsupportedMediaType (415), which the broker does not retry.
 */
export function parseCloudEventRequest(headers: IncomingHeaders, body: unknown): ParleyEvent {
  const flat = flattenHeaders(headers);
  const contentType = flat.get('content-type');
  const media = contentType === undefined ? undefined : readMediaType(contentType);
  if (contentType !== undefined && !media)
    throw new BadRequest(`invalid ${WHAT}: content-type ${JSON.stringify(contentType)} is not a media type`);
  if (media?.type === BATCH_JSON) {
    throw new UnsupportedMediaType(`${WHAT} batches (${BATCH_JSON}) are not accepted: send one event per request`);
  }
  if (media?.type.startsWith('application/cloudevents')) {
    if (media.type !== STRUCTURED_JSON) {
      throw new UnsupportedMediaType(
        `${WHAT} format ${media.type} is not supported: send ${STRUCTURED_JSON} or binary mode`,
      );
    }
    checkCharset(media, WHAT);
    return structured(parseJson(body, 'body'), flat);
  }
  return binary(flat, body);
}

function binary(flat: Map<string, string>, body: unknown): ParleyEvent {
  if (!flat.has('ce-specversion') && !flat.has('ce-id')) {
    throw new BadRequest(`not a ${WHAT}: no ce- headers, and the content type is not ${STRUCTURED_JSON}`);
  }
  const attributes = new Map<string, unknown>();
  for (const [name, value] of flat) {
    if (name.startsWith('ce-')) attributes.set(name.slice(3), percentDecoded(name, value));
  }
  const contentType = flat.get('content-type');
  if (contentType !== undefined) attributes.set('datacontenttype', contentType);
  if (!attributes.has('traceparent') && flat.has('traceparent')) attributes.set('traceparent', flat.get('traceparent'));
  const empty = body === undefined || (Buffer.isBuffer(body) && body.length === 0) || body === '';
  if (empty) return toParleyEvent(attributes, { present: false }, WHAT);
  // The data's media type is checked first, so text/plain data is a 415, not "invalid JSON".
  const media = contentType === undefined ? undefined : readMediaType(contentType);
  if (media && !isJsonMediaType(media.type))
    return toParleyEvent(attributes, { present: true, value: undefined }, WHAT);
  return toParleyEvent(attributes, { present: true, value: parseJson(body, 'data') }, WHAT);
}

function structured(json: unknown, flat: Map<string, string>): ParleyEvent {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new BadRequest(`invalid ${WHAT}: a structured event is a JSON object`);
  const members = json as Record<string, unknown>;
  const attributes = new Map(Object.entries(members).filter(([name]) => name !== 'data' && name !== 'data_base64'));
  if (!attributes.has('traceparent') && flat.has('traceparent')) attributes.set('traceparent', flat.get('traceparent'));
  if ('data_base64' in members) {
    if (typeof members.data_base64 !== 'string') throw new BadRequest(`invalid ${WHAT}: data_base64 is not a string`);
    return toParleyEvent(
      attributes,
      { present: true, value: parseJson(Buffer.from(members.data_base64, 'base64'), 'data_base64') },
      WHAT,
    );
  }
  return toParleyEvent(
    attributes,
    'data' in members ? { present: true, value: members.data } : { present: false },
    WHAT,
  );
}

/** One string per header, names in lower case. */
function flattenHeaders(headers: IncomingHeaders): Map<string, string> {
  const flat = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value);
  }
  return flat;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A `ce-` header value as the binding writes it: non-ASCII characters (and `%`, `"`, space) as
 * percent-encoded UTF-8 octets. Node hands header bytes over as latin1, so raw octets are read back
 * the same way. @throws BadRequest for a malformed escape or octets that are not UTF-8.
 */
function percentDecoded(name: string, value: string): string {
  try {
    const octets = Buffer.from(value, 'latin1');
    const text = fatalUtf8.decode(octets);
    return text.includes('%') ? decodeURIComponent(text) : text;
  } catch (err) {
    throw new BadRequest(`invalid ${WHAT}: header ${name} is not percent-encoded UTF-8`, { cause: err });
  }
}

function parseJson(body: unknown, part: string): unknown {
  if (!Buffer.isBuffer(body) && typeof body !== 'string') return body;
  let text: string;
  try {
    text = typeof body === 'string' ? body : fatalUtf8.decode(body);
  } catch (err) {
    throw new BadRequest(`invalid ${WHAT}: ${part} is not UTF-8`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadRequest(`invalid ${WHAT}: ${part} is not valid JSON`, { cause: err });
  }
}

/** Encoded through the SDK's CloudEvent, which validates the event against the spec. */
function toCloudEvent(event: ParleyEvent, extensions: Record<string, string | number | boolean>): CloudEvent<unknown> {
  const attributes: Record<string, unknown> = {
    ...extensions,
    specversion: event.specversion,
    id: event.id,
    source: event.source,
    type: event.type,
    ...(event.time === undefined ? {} : { time: event.time }),
    datacontenttype: event.datacontenttype,
    data: event.data,
  };
  if (event.subject !== undefined) attributes.subject = event.subject;
  // Extension values travel as strings, `sequence` zero-padded so it sorts; receivers read the number back.
  if (event.sequence !== undefined) attributes.sequence = formatSequence(event.sequence);
  if (event.traceparent !== undefined) attributes.traceparent = event.traceparent;
  return new CloudEvent(attributes);
}
