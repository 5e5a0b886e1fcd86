/**
 * The CloudEvents 1.0 HTTP binding, checked with other people's material against a real subscriber
 * (dialogue-log's express app on a loopback port): the conformance project's v1.0 vectors and HTTP
 * scenarios (read from ../shared/conformance, skipped with a message when absent), and the
 * cloudevents SDK's own emitter in both modes. Parley's receivers only take Parley's event types, so
 * each vector's `type` is replaced by `analytics.logging`; everything else is sent as written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudEvent, Mode, emitterFor, httpTransport } from 'cloudevents';
import { parseAllDocuments } from 'yaml';
import type { ParleyEvent } from '@parley/shared';
import { createLogger } from '@parley/shared/composition';
import { MemorySeenEvents } from '@parley/shared/testing';
import { createApp } from '../../functions/dialogue-log/app';
import { createLogHandler } from '../../functions/dialogue-log/handler';
import { captureLogger } from '../support/capture-logger';
import { listen } from '../support/http';

const CONFORMANCE = join(__dirname, '..', '..', '..', 'shared', 'conformance', 'cloudevents');
const present = existsSync(CONFORMANCE);
if (!present) console.warn(`[conformance] ${CONFORMANCE} is absent: the CloudEvents conformance vectors are skipped`);
const withVectors = present ? describe : describe.skip;
const PARLEY_TYPE = 'analytics.logging';

const captured = captureLogger();
/** Every event as the handler received it, by id, besides what dialogue-log logged of it. */
const received = new Map<string, ParleyEvent>();
let server: Awaited<ReturnType<typeof listen>>;
beforeAll(async () => {
  const log = createLogHandler({ logger: captured.logger, seen: new MemorySeenEvents() });
  const handler = async (event: ParleyEvent) => {
    received.set(event.id, event);
    await log(event);
  };
  server = await listen(createApp({ handler, logger: createLogger('test', 'silent'), readiness: {} }));
});
afterAll(async () => {
  await server.close();
});

const logged = (id: string) =>
  captured.lines.find((l) => (l.event as { id?: string } | undefined)?.id === id)?.event as
    Record<string, unknown> | undefined;

async function post(headers: Record<string, string>, body: string | Buffer) {
  // Bytes, so fetch adds no content type of its own.
  const res = await fetch(`${server.url}/`, { method: 'POST', headers, body: new Uint8Array(Buffer.from(body)) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as { error: { code: string; message: string } }) : null };
}

type Vector = {
  Mode?: 'binary' | 'structured';
  ContextAttributes: Record<string, unknown> & { Extensions?: Record<string, string> };
  TransportExtensions?: Record<string, string>;
  Data?: string;
};

function vectors(file: string): Vector[] {
  return parseAllDocuments(readFileSync(join(CONFORMANCE, file), 'utf8')).map((d) => d.toJSON() as Vector);
}

/** A vector as an HTTP request, in its mode (binary when it names none), with a Parley type and a fresh id. */
function request(
  vector: Vector,
  mode: 'binary' | 'structured',
  id: string,
): { headers: Record<string, string>; body: string } {
  const { Extensions: extensions = {}, ...attributes } = vector.ContextAttributes;
  const all: Record<string, string> = {
    ...Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, String(v)])),
    ...extensions,
    type: PARLEY_TYPE,
    id,
  };
  // YAML reads `specversion: 1.0` as the number 1; the vector means the string "1.0".
  all.specversion = '1.0';
  const data = (vector.Data ?? '').trim();
  if (mode === 'binary') {
    const { datacontenttype, ...rest } = all;
    const headers: Record<string, string> = { ...vector.TransportExtensions };
    for (const [name, value] of Object.entries(rest))
      headers[`ce-${name}`] = encodeURIComponent(value).replace(/%2F/g, '/').replace(/%3A/g, ':');
    if (datacontenttype !== undefined) headers['content-type'] = datacontenttype;
    return { headers, body: data };
  }
  const isJson = all.datacontenttype === undefined || /json/i.test(all.datacontenttype);
  const event: Record<string, unknown> = { ...all };
  if (data) event.data = isJson ? JSON.parse(data) : data;
  return {
    headers: { ...vector.TransportExtensions, 'content-type': 'application/cloudevents+json; charset=utf-8' },
    body: JSON.stringify(event),
  };
}

withVectors('CloudEvents conformance vectors (v1.yaml: extensions, transport headers, both modes)', () => {
  const cases = present ? vectors('v1.yaml').map((v, i) => [`${v.Mode} #${i}`, v] as const) : [];
  it.each(cases)('%s is accepted with its attributes', async (_name, vector) => {
    const id = `conformance-v1-${vector.Mode}-${Math.random().toString(16).slice(2)}`;
    const { headers, body } = request(vector, vector.Mode ?? 'binary', id);
    expect(await post(headers, body)).toEqual({ status: 204, body: null });
    expect(logged(id)).toMatchObject({
      id,
      type: PARLEY_TYPE,
      source: vector.ContextAttributes.source,
      time: vector.ContextAttributes.time,
    });
  });
});

withVectors('CloudEvents conformance vectors (v1_minimum.yaml: required attributes only, no time)', () => {
  const cases = present
    ? vectors('v1_minimum.yaml').flatMap((v) =>
        (['binary', 'structured'] as const).map(
          (m) =>
            [`${String(v.ContextAttributes.id)} ${m} (${String(v.ContextAttributes.datacontenttype)})`, v, m] as const,
        ),
      )
    : [];
  it.each(cases)(
    '%s: JSON data is accepted; other data is a 415 naming the media type',
    async (_name, vector, mode) => {
      const id = `conformance-min-${mode}-${Math.random().toString(16).slice(2)}`;
      const { headers, body } = request(vector, mode, id);
      const contentType = String(vector.ContextAttributes.datacontenttype);
      const answer = await post(headers, body);
      if (/json/i.test(contentType)) {
        expect(answer).toEqual({ status: 204, body: null });
        expect(logged(id)).toMatchObject({ id, source: vector.ContextAttributes.source });
        expect(logged(id)).not.toHaveProperty('time');
      } else {
        expect(answer.status).toBe(415);
        expect(answer.body?.error.message).toContain(contentType.split(';')[0]);
        expect(logged(id)).toBeUndefined();
      }
    },
  );
});

/** The scenarios of http-protocol-binding.feature: each request template with each of its examples. */
type Scenario = { headers: Record<string, string>; body: string; attributes: Record<string, string>; data: unknown };

function scenarios(): Array<[string, Scenario]> {
  const text = readFileSync(join(CONFORMANCE, 'http-protocol-binding.feature'), 'utf8');
  const outlines = text.split(/\n\s*Scenario Outline: /).slice(1);
  return outlines.flatMap((outline) => {
    const title = outline.split('\n')[0]!.trim();
    const [, template = ''] = /"""\n([\s\S]*?)\n\s*"""/.exec(outline) ?? [];
    const attributes = Object.fromEntries(
      [
        ...outline
          .split('Then the attributes are:')[1]!
          .split('And the data')[0]!
          .matchAll(/\|\s*(\S+)\s*\|\s*([^|]+?)\s*\|/g),
      ]
        .map((m) => [m[1]!, m[2]!])
        .filter(([key]) => key !== 'key'),
    );
    const [, expectedData = ''] =
      /And the data is equal to the following JSON:\s*\n\s*"""\n([\s\S]*?)\n\s*"""/.exec(outline) ?? [];
    const examples = outline
      .split('Examples:')[1]!
      .split('\n')
      .filter((l) => l.trim().startsWith('|'))
      .slice(1)
      .map((l) => l.split('|')[1]!.trim());
    return examples.map((contentType) => {
      const filled = template
        .replace(/<contentType>/g, contentType)
        .split('\n')
        .map((l) => l.trim());
      const blank = filled.indexOf('');
      const headers: Record<string, string> = {};
      for (const line of filled.slice(1, blank)) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim().toLowerCase();
        if (name !== 'host' && name !== 'content-length') headers[name] = line.slice(colon + 1).trim();
      }
      const body = filled.slice(blank + 1).join('\n');
      const scenario: Scenario = {
        headers,
        body,
        attributes: {
          ...attributes,
          datacontenttype: attributes.datacontenttype!.replace('<contentType>', contentType),
        },
        data: JSON.parse(expectedData),
      };
      return [title.replace('<contentType>', contentType), scenario] as [string, Scenario];
    });
  });
}

withVectors('CloudEvents conformance: HTTP protocol binding scenarios', () => {
  it.each(present ? scenarios() : [])('%s', async (_name, scenario) => {
    const id = `conformance-feature-${Math.random().toString(16).slice(2)}`;
    const headers = { ...scenario.headers };
    let body = scenario.body;
    if (headers['ce-type']) {
      headers['ce-type'] = PARLEY_TYPE;
      headers['ce-id'] = id;
    } else {
      body = JSON.stringify({ ...(JSON.parse(body) as object), type: PARLEY_TYPE, id });
    }
    expect(await post(headers, body)).toEqual({ status: 204, body: null });
    const { id: _id, type: _type, datacontenttype, ...rest } = scenario.attributes;
    // Parley's events are JSON: a JSON media type with parameters is read as application/json.
    expect(datacontenttype).toMatch(/^application\/(cloudevents\+)?json\b/);
    expect(received.get(id)).toEqual({
      ...rest,
      id,
      type: PARLEY_TYPE,
      datacontenttype: 'application/json',
      data: scenario.data,
    });
  });
});

describe('the cloudevents SDK emitter against the receiver', () => {
  it.each([Mode.BINARY, Mode.STRUCTURED])('%s mode, including an event with no datacontenttype', async (mode) => {
    const emit = emitterFor(httpTransport(`${server.url}/`), { mode });
    const withType = new CloudEvent({
      type: PARLEY_TYPE,
      source: '/sdk',
      id: `sdk-${mode}-1`,
      data: { task: 'reply' },
      datacontenttype: 'application/json',
    });
    const bare = new CloudEvent({ type: PARLEY_TYPE, source: '/sdk', id: `sdk-${mode}-2`, data: { task: 'reply' } });
    expect(bare.datacontenttype).toBeUndefined();
    await emit(withType);
    await emit(bare);
    expect(logged(`sdk-${mode}-1`)).toMatchObject({ source: '/sdk', time: withType.time });
    expect(logged(`sdk-${mode}-2`)).toMatchObject({ source: '/sdk', time: bare.time });
  });
});

describe('what the binding leaves to the receiver', () => {
  const base = { 'ce-specversion': '1.0', 'ce-type': PARLEY_TYPE, 'ce-source': '/edge' };

  it('decodes percent-encoded header values as UTF-8', async () => {
    const id = 'percent-1';
    const answer = await post(
      { ...base, 'ce-id': id, 'ce-subject': 'caf%C3%A9%20%E2%98%95%2520', 'content-type': 'application/json' },
      '{}',
    );
    expect(answer.status).toBe(204);
    expect(logged(id)).toMatchObject({ subject: 'café ☕%20' });
  });

  it.each([
    ['a percent-encoded octet that is not UTF-8', 'caf%E9'],
    ['a broken escape', 'caf%C3'],
  ])('refuses %s with 400 naming the header', async (_what, subject) => {
    const answer = await post(
      { ...base, 'ce-id': 'percent-bad', 'ce-subject': subject, 'content-type': 'application/json' },
      '{}',
    );
    expect(answer.status).toBe(400);
    expect(answer.body?.error.message).toMatch(/ce-subject.*UTF-8/);
  });

  it('refuses data that is not UTF-8 with 400', async () => {
    const answer = await post(
      { ...base, 'ce-id': 'bytes-bad', 'content-type': 'application/json' },
      Buffer.from([0x22, 0xff, 0xfe, 0x22]),
    );
    expect(answer.status).toBe(400);
    expect(answer.body?.error.message).toMatch(/not UTF-8/);
  });

  it('compares media types case-insensitively, with parameters', async () => {
    const id = 'media-1';
    expect(
      (await post({ ...base, 'ce-id': id, 'content-type': 'Application/JSON; Charset="UTF-8"' }, '{"a":1}')).status,
    ).toBe(204);
    const structured = JSON.stringify({
      specversion: '1.0',
      type: PARLEY_TYPE,
      source: '/edge',
      id: 'media-2',
      datacontenttype: 'APPLICATION/json; charset=utf-8',
      data: {},
    });
    expect((await post({ 'content-type': 'Application/CloudEvents+JSON; charset=UTF-8' }, structured)).status).toBe(
      204,
    );
    expect(logged(id)).toBeDefined();
    expect(logged('media-2')).toBeDefined();
  });

  it('reads binary mode with no content type as JSON', async () => {
    const res = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: { ...base, 'ce-id': 'no-type-1' },
      body: new Uint8Array(Buffer.from('{"task":"x"}')),
    });
    expect(res.status).toBe(204);
    expect(logged('no-type-1')).toBeDefined();
  });

  it.each([
    ['a batch', 'application/cloudevents-batch+json', /batch/],
    ['another event format', 'application/cloudevents+xml', /cloudevents\+xml/],
    ['a charset other than UTF-8', 'application/cloudevents+json; charset=iso-8859-1', /charset/],
  ])('refuses %s with 415 naming the reason', async (_what, contentType, reason) => {
    const event = { specversion: '1.0', type: PARLEY_TYPE, source: '/edge', id: 'refused', data: {} };
    const answer = await post(
      { 'content-type': contentType },
      JSON.stringify(contentType.includes('batch') ? [event] : event),
    );
    expect(answer.status).toBe(415);
    expect(answer.body?.error).toMatchObject({ code: 'UnsupportedMediaType' });
    expect(answer.body?.error.message).toMatch(reason);
  });
});
