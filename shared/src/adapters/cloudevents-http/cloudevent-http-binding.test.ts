import { CloudEvent, HTTP } from 'cloudevents';
import { sampleDialogueEvents } from '../contracts/event-publisher.contract';
import { BadRequest, UnsupportedMediaType } from '../../domain/errors';
import { parseCloudEventRequest, type IncomingHeaders } from './cloudevent-http-binding';

const [initiate, progress] = sampleDialogueEvents('7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d');
const event = progress!;

/** Binary mode as a broker delivers it: ce- headers in lower case, body parsed by express.json. */
function binary(overrides: IncomingHeaders = {}): { headers: IncomingHeaders; body: unknown } {
  const headers: IncomingHeaders = {
    'content-type': 'application/json; charset=utf-8',
    'ce-specversion': '1.0',
    'ce-id': event.id,
    'ce-source': event.source,
    'ce-type': event.type,
    'ce-subject': event.subject,
    'ce-time': event.time,
    'ce-sequence': String(event.sequence),
    'ce-traceparent': event.traceparent,
    ...overrides,
  };
  for (const [k, v] of Object.entries(headers)) if (v === undefined) delete headers[k];
  return { headers, body: structuredClone(event.data) };
}

function structured(fields: Record<string, unknown> = {}): { headers: IncomingHeaders; body: unknown } {
  const body: Record<string, unknown> = { ...structuredClone(event), sequence: String(event.sequence), ...fields };
  for (const [k, v] of Object.entries(body)) if (v === undefined) delete body[k];
  return { headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' }, body };
}

const parse = ({ headers, body }: { headers: IncomingHeaders; body: unknown }) => parseCloudEventRequest(headers, body);

describe('parseCloudEventRequest', () => {
  it('reads binary mode, turning the sequence header back into a number', () => {
    expect(parse(binary())).toStrictEqual(event);
  });

  it('reads structured mode, with the sequence as a string or a number', () => {
    expect(parse(structured())).toStrictEqual(event);
    expect(parse(structured({ sequence: event.sequence }))).toStrictEqual(event);
  });

  it('reads the sequence zero-padded (what Parley sends) and unpadded (earlier versions) alike', () => {
    const padded = String(event.sequence).padStart(10, '0');
    expect(parse(binary({ 'ce-sequence': padded }))).toStrictEqual(event);
    expect(parse(structured({ sequence: padded }))).toStrictEqual(event);
  });

  it('reads what the SDK itself writes, in both modes, parsed or as raw bytes', () => {
    // The SDK's attribute types refuse an explicit undefined; the sample event sets every attribute.
    const sdkEvent = new CloudEvent({
      ...initiate!,
      subject: initiate!.subject!,
      time: initiate!.time!,
      sequence: String(initiate!.sequence),
    });
    const asBinary = HTTP.binary(sdkEvent);
    expect(parseCloudEventRequest(asBinary.headers, JSON.parse(asBinary.body as string))).toStrictEqual(initiate);
    expect(parseCloudEventRequest(asBinary.headers, Buffer.from(asBinary.body as string))).toStrictEqual(initiate);
    const asStructured = HTTP.structured(sdkEvent);
    expect(parseCloudEventRequest(asStructured.headers, JSON.parse(asStructured.body as string))).toStrictEqual(
      initiate,
    );
    expect(parseCloudEventRequest(asStructured.headers, Buffer.from(asStructured.body as string))).toStrictEqual(
      initiate,
    );
  });

  it('takes time and data as optional, and a missing datacontenttype as JSON', () => {
    const { time: _time, ...untimed } = event;
    const { data: _data, ...bare } = untimed;
    expect(parse(binary({ 'ce-time': undefined, 'content-type': undefined }))).toStrictEqual(untimed);
    expect(
      parseCloudEventRequest(
        { 'content-type': 'application/cloudevents+json' },
        JSON.stringify({ ...bare, datacontenttype: undefined }),
      ),
    ).toStrictEqual(bare);
  });

  it.each(['2025-03-01T10:00:03+00:00', '2025-03-01T12:00:03.5+02:00', '2025-03-01t10:00:03z'])(
    'reads the RFC 3339 time %s',
    (time) => {
      expect(parse(binary({ 'ce-time': time })).time).toBe(time.toUpperCase());
    },
  );

  it('takes the W3C traceparent header when the extension is missing, as behind the Knative RabbitMQ broker', () => {
    expect(parse(binary({ 'ce-traceparent': undefined, traceparent: event.traceparent }))).toStrictEqual(event);
    const { traceparent: _t, ...untraced } = event;
    expect(parse(binary({ 'ce-traceparent': undefined, traceparent: 'not-a-trace' }))).toStrictEqual(untraced);
  });

  it('drops extensions that are not ParleyEvent attributes', () => {
    expect(parse(binary({ 'ce-cluster': 'eu-1', 'ce-knativearrivaltime': '2025-03-01T10:00:00Z' }))).toStrictEqual(
      event,
    );
  });

  it.each([
    ['no CloudEvent headers at all', { headers: { 'content-type': 'application/json' }, body: {} }],
    ['binary mode with an unreadable time (the SDK would use now)', binary({ 'ce-time': 'soon' })],
    ['binary mode without ce-specversion (the SDK would assume 1.0)', binary({ 'ce-specversion': undefined })],
    ['binary mode without ce-source', binary({ 'ce-source': undefined })],
    ['an unknown type', binary({ 'ce-type': 'dialogue.exploded' })],
    ['a sequence that is not an integer', binary({ 'ce-sequence': 'three' })],
    ['structured mode without id (the SDK would mint one)', structured({ id: undefined })],
    ['a time without an offset', binary({ 'ce-time': '2025-03-01T10:00:03' })],
  ])('refuses %s with BadRequest', (_what, request) => {
    expect(() => parse(request)).toThrow(BadRequest);
  });

  it.each([
    ['a data content type other than JSON', binary({ 'content-type': 'text/plain' }), /text\/plain/],
    [
      'a batch',
      { headers: { 'content-type': 'application/cloudevents-batch+json' }, body: JSON.stringify([structured().body]) },
      /batch/,
    ],
  ])('refuses %s with UnsupportedMediaType naming it', (_what, request, reason) => {
    expect(() => parse(request)).toThrow(UnsupportedMediaType);
    expect(() => parse(request)).toThrow(reason);
  });

  it('says what is wrong', () => {
    expect(() => parse(binary({ 'ce-type': 'dialogue.exploded' }))).toThrow(/invalid CloudEvent: type/);
  });
});
