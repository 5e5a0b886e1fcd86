import type { ParleyEvent } from '@parley/shared';

/** POST an event as a Knative broker delivers it in binary mode: attributes as `ce-` headers, body = data. */
export async function postBinaryEvent(url: string, event: ParleyEvent): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {
    'content-type': event.datacontenttype,
    'ce-specversion': event.specversion,
    'ce-id': event.id,
    'ce-source': event.source,
    'ce-type': event.type,
  };
  if (event.time !== undefined) headers['ce-time'] = event.time;
  if (event.subject !== undefined) headers['ce-subject'] = event.subject;
  if (event.sequence !== undefined) headers['ce-sequence'] = String(event.sequence);
  if (event.traceparent !== undefined) headers['ce-traceparent'] = event.traceparent;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(event.data) });
  return { status: res.status, text: await res.text() };
}

/** POST an event in structured mode: the whole event as `application/cloudevents+json`. */
export async function postStructuredEvent(url: string, event: ParleyEvent): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
    body: JSON.stringify(event),
  });
  return { status: res.status, text: await res.text() };
}
