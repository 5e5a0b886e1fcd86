import { CloudEvent, HTTP, ValidationError } from 'cloudevents';
import { BadRequest } from '../domain/errors';
import { ParleyEventSchema, TraceparentSchema, readSequence, type ParleyEvent } from '../domain/events';
import { parseInput } from './validate';

export type IncomingHeaders = Record<string, string | string[] | undefined>;

/**
 * Reads the CloudEvent of an HTTP request (a Knative trigger delivery, or a test) in binary mode
 * (`ce-*` headers, body already parsed by express.json) or structured mode
 * (`application/cloudevents+json`), through the cloudevents SDK and its `validate()` (DESIGN §7:
 * `HTTP.toEvent` alone does not validate), then as a ParleyEvent. Anything invalid is a
 * `BadRequest`, which the broker does not retry: a malformed event would never get better.
 *
 * The SDK quietly invents a missing `id`, `time` or `specversion` (and turns an unreadable time
 * into now); those three are therefore read from the request itself. Extensions that are not
 * ParleyEvent attributes (K_CE_OVERRIDES, the broker's own) are dropped, not refused. When the
 * event has no traceparent extension, the W3C `traceparent` header stands in: the Knative RabbitMQ
 * broker carries the trace there and drops the extension on the way.
 */
export function parseCloudEventRequest(headers: IncomingHeaders, body: unknown): ParleyEvent {
  const flat = flattenHeaders(headers);
  let event: CloudEvent<unknown>;
  try {
    const parsed = HTTP.toEvent({ headers: flat, body });
    if (Array.isArray(parsed)) throw new BadRequest('CloudEvent batches are not accepted: send one event per request');
    // The SDK builds a CloudEvent instance; its declared type is the bare interface.
    event = parsed instanceof CloudEvent ? parsed : new CloudEvent(parsed, false);
    event.validate();
  } catch (err) {
    if (err instanceof BadRequest) throw err;
    throw invalid(err);
  }
  const structured = (flat['content-type'] ?? '').startsWith('application/cloudevents');
  const raw = (name: string): unknown => (structured ? fieldOf(body, name) : flat[`ce-${name}`]);

  const candidate: Record<string, unknown> = {
    specversion: raw('specversion'),
    id: raw('id'),
    source: event.source,
    type: event.type,
    time: raw('time'),
    datacontenttype: event.datacontenttype,
  };
  if (event.subject !== undefined) candidate.subject = event.subject;
  const sequence = event.sequence;
  if (sequence !== undefined) candidate.sequence = toSequence(sequence);
  const traceparent = event.traceparent ?? w3cTraceparent(flat.traceparent);
  if (traceparent !== undefined) candidate.traceparent = traceparent;
  if (event.data !== undefined) candidate.data = event.data;
  return parseInput(ParleyEventSchema, candidate, 'CloudEvent');
}

/** One string per header, names in lower case, media type parameters (charset) dropped. */
function flattenHeaders(headers: IncomingHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  const contentType = flat['content-type'];
  if (contentType !== undefined) flat['content-type'] = contentType.split(';')[0]!.trim().toLowerCase();
  return flat;
}

function fieldOf(body: unknown, name: string): unknown {
  if (typeof body === 'string') {
    try {
      return fieldOf(JSON.parse(body), name);
    } catch {
      return undefined;
    }
  }
  return body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
}

function toSequence(value: unknown): unknown {
  // Binary mode carries extensions as strings (padded or not); structured mode may carry a JSON number.
  return readSequence(value) ?? value;
}

function w3cTraceparent(header: string | undefined): string | undefined {
  return header !== undefined && TraceparentSchema.safeParse(header).success ? header : undefined;
}

function invalid(err: unknown): BadRequest {
  if (err instanceof ValidationError) {
    const errors = (err.errors ?? []).map((e) => (typeof e === 'string' ? e : JSON.stringify(e)));
    return new BadRequest(`invalid CloudEvent: ${err.message}${errors.length ? `: ${errors.join('; ')}` : ''}`, { cause: err, details: { errors } });
  }
  return new BadRequest(`invalid CloudEvent: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
