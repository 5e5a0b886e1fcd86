import { parse as parseContentType } from 'content-type';
import { BadRequest, UnsupportedMediaType } from './errors';
import { ParleyEventSchema, TraceparentSchema, readSequence, type ParleyEvent } from './events';
import { parseInput } from './parse-input';

/**
 * What every CloudEvent reader of Parley (HTTP binary and structured mode, AMQP) does with the
 * attributes it found, so all of them accept the same events (CloudEvents 1.0 core and the HTTP
 * binding, and what the Knative RabbitMQ broker's reader accepts):
 * - `time` and `data` are optional; a `time` is RFC 3339, with an offset or `Z`, `t`/`z` in any case;
 * - a missing `datacontenttype` means `application/json`; media types compare case-insensitively
 *   and may carry parameters (a `charset` other than UTF-8 or US-ASCII is refused);
 * - `sequence` is read padded or not; a `traceparent` that is not W3C trace-context is ignored;
 * - extensions Parley does not know are dropped.
 * @throws UnsupportedMediaType (415) for data that is not JSON, BadRequest (400) for anything else.
 */
export function toParleyEvent(
  attributes: ReadonlyMap<string, unknown>,
  data: { present: false } | { present: true; value: unknown },
  what: string,
): ParleyEvent {
  const candidate: Record<string, unknown> = {};
  for (const name of ['specversion', 'id', 'source', 'type', 'subject'] as const) {
    const value = attributes.get(name);
    if (value !== undefined) candidate[name] = value;
  }
  const time = attributes.get('time');
  if (time !== undefined) candidate.time = rfc3339(time, what);
  candidate.datacontenttype = jsonContentType(attributes.get('datacontenttype'), what);
  const sequence = attributes.get('sequence');
  if (sequence !== undefined) {
    const number = readSequence(sequence);
    if (number === undefined)
      throw new BadRequest(`invalid ${what}: sequence: ${JSON.stringify(sequence)} is not a non-negative integer`);
    candidate.sequence = number;
  }
  const traceparent = attributes.get('traceparent');
  if (TraceparentSchema.safeParse(traceparent).success) candidate.traceparent = traceparent;
  if (data.present) candidate.data = data.value;
  return parseInput(ParleyEventSchema, candidate, what);
}

/** A media type: its `type/subtype` in lower case and its parameters (names in lower case). */
export type MediaType = { type: string; parameters: Record<string, string> };

/** Parses a Content-Type value (RFC 9110); undefined when it is not one. */
export function readMediaType(value: string): MediaType | undefined {
  try {
    const parsed = parseContentType(value);
    return { type: parsed.type.toLowerCase(), parameters: parsed.parameters };
  } catch {
    return undefined;
  }
}

/** JSON media types: `application/json` and any `+json` structured suffix (RFC 6839). */
export function isJsonMediaType(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}

const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

/** Refuses a charset parameter that is not UTF-8 (US-ASCII is a subset). */
export function checkCharset(media: MediaType, what: string): void {
  const charset = media.parameters.charset?.toLowerCase();
  if (charset !== undefined && !UTF8_CHARSETS.has(charset)) {
    throw new UnsupportedMediaType(`${what}: charset ${charset} is not supported; send UTF-8`);
  }
}

function jsonContentType(value: unknown, what: string): 'application/json' {
  if (value === undefined || value === '') return 'application/json';
  const media = typeof value === 'string' ? readMediaType(value) : undefined;
  if (!media) throw new BadRequest(`invalid ${what}: datacontenttype ${JSON.stringify(value)} is not a media type`);
  if (!isJsonMediaType(media.type)) {
    throw new UnsupportedMediaType(
      `${what}: datacontenttype ${media.type} is not supported; Parley's events carry JSON data`,
    );
  }
  checkCharset(media, what);
  return 'application/json';
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * An RFC 3339 timestamp as the event wrote it, with `T` and `Z` in upper case (ISO 8601's form,
 * which the schema checks). @throws BadRequest when it is not one.
 */
function rfc3339(value: unknown, what: string): string {
  if (typeof value !== 'string' || !RFC3339.test(value) || Number.isNaN(Date.parse(value.toUpperCase()))) {
    throw new BadRequest(`invalid ${what}: time: ${JSON.stringify(value)} is not an RFC 3339 timestamp`);
  }
  return value.toUpperCase();
}
