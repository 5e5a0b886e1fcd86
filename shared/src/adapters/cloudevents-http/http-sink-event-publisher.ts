import { z } from 'zod';
import type { ParleyEvent } from '../../domain/events';
import type { EventPublisher } from '../../ports/event-publisher';
import { encodeCloudEventHttp } from './cloudevent-http-binding';

/** K_CE_OVERRIDES as a SinkBinding injects it: extensions to set on every event sent. */
const CeOverridesSchema = z.object({
  extensions: z
    .record(
      z.string().regex(/^[a-z0-9]{1,20}$/, 'lowercase letters and digits, at most 20'),
      z.union([z.string(), z.number(), z.boolean()]),
    )
    .optional(),
});
/** Attributes an override may not replace: they are the event's identity and meaning. */
const PROTECTED = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'subject',
  'time',
  'datacontenttype',
  'dataschema',
  'data',
  'sequence',
]);

export type HttpSinkOptions = {
  /** K_SINK: the broker ingress URL. */
  sink: string;
  fetch?: typeof fetch;
  /** Per event (default 10000). */
  timeoutMs?: number;
  /** K_CE_OVERRIDES, JSON `{"extensions":{...}}`. */
  ceOverrides?: string | undefined;
};

/**
 * POSTs each event, in order, to a Knative sink (the RabbitMQ broker ingress) in CloudEvents
 * binary mode, encoded by the cloudevents SDK. It sends with its own fetch because the SDK's
 * `httpTransport` ignores the HTTP status: only a 2xx counts, which the broker ingress
 * answers after its publisher confirm. On the first failure `publish` rejects with a plain `Error`
 * naming the event and the status; the caller keeps that event and the rest in its outbox.
 */
export class HttpSinkEventPublisher implements EventPublisher {
  private readonly sink: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly extensions: Record<string, string | number | boolean>;

  constructor(options: HttpSinkOptions) {
    this.sink = new URL(options.sink).toString();
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.extensions = parseCeOverrides(options.ceOverrides);
  }

  async publish(events: ParleyEvent[]): Promise<void> {
    for (const event of events) await this.send(event);
  }

  /**
   * Resolves without a request: the broker ingress has no health route we can rely on (a GET is
   * answered 405 or 404 depending on the version), and a POST would publish. A dead sink shows up
   * as a failed publish, which the outbox retries.
   */
  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private async send(event: ParleyEvent): Promise<void> {
    const { headers, body } = encodeCloudEventHttp(event, this.extensions);
    let response: Response;
    try {
      response = await this.fetch(this.sink, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new Error(
        `event sink ${this.sink} unreachable for event ${event.id}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    // Drain the body either way so the connection can be reused.
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      throw new Error(
        `event sink ${this.sink} answered ${response.status} for event ${event.id}${text ? `: ${text.slice(0, 200)}` : ''}`,
      );
    }
  }
}

function parseCeOverrides(raw: string | undefined): Record<string, string | number | boolean> {
  if (raw === undefined || raw.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error(`K_CE_OVERRIDES is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = CeOverridesSchema.safeParse(json);
  if (!parsed.success) throw new Error(`K_CE_OVERRIDES: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  const extensions = parsed.data.extensions ?? {};
  return Object.fromEntries(Object.entries(extensions).filter(([name]) => !PROTECTED.has(name)));
}
