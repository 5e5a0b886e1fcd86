import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricsRecorder } from '../../ports/metrics';

/** Buckets in seconds around what a turn costs us (sub-millisecond) up to a slow model (30 s). */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The Prometheus side of MetricsRecorder plus the HTTP histogram, on a registry of its own (a test
 * may build several; a process uses `processMetrics()`). Series are named `parley_*`.
 */
export class PromMetrics implements MetricsRecorder {
  readonly registry = new Registry();
  private readonly http = new Histogram({
    name: 'parley_http_request_duration_seconds',
    help: 'HTTP request latency by route template and status (streams: until the last byte)',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly aiLatency = new Histogram({
    name: 'parley_ai_call_duration_seconds',
    help: 'AI task latency by provider and task, as the gateway saw it',
    labelNames: ['provider', 'task', 'ok'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly aiTokens = new Counter({
    name: 'parley_ai_tokens_total',
    help: 'AI tokens by provider, task and kind (prompt, completion)',
    labelNames: ['provider', 'task', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly turns = new Counter({
    name: 'parley_turns_applied_total',
    help: 'Dialogue turns committed',
    labelNames: ['character'] as const,
    registers: [this.registry],
  });
  private readonly active = new Gauge({
    name: 'parley_active_dialogues',
    help: 'Dialogues started minus ended by this process; sum over all pods of the dialogue functions (expiry not counted)',
    registers: [this.registry],
  });
  private readonly started = new Counter({
    name: 'parley_dialogues_started_total',
    help: 'Dialogues started',
    labelNames: ['character'] as const,
    registers: [this.registry],
  });
  private readonly ended = new Counter({
    name: 'parley_dialogues_ended_total',
    help: 'Dialogues ended',
    labelNames: ['character'] as const,
    registers: [this.registry],
  });
  private readonly published = new Counter({
    name: 'parley_outbox_published_total',
    help: 'Events the outbox relay saw confirmed by the broker',
    registers: [this.registry],
  });
  private readonly publishFailures = new Counter({
    name: 'parley_outbox_publish_failures_total',
    help: 'Outbox publish attempts that failed (events kept for retry)',
    registers: [this.registry],
  });
  private readonly depth = new Gauge({
    name: 'parley_outbox_depth',
    help: 'Dialogues with unpublished events, as the relay last saw them',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    // Initialised at zero so dashboards see the series before the first event.
    this.published.inc(0);
    this.publishFailures.inc(0);
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status: String(status) }, seconds);
  }

  aiCall(call: {
    provider: string;
    task: string;
    ok: boolean;
    seconds: number;
    tokens: { prompt: number; completion: number };
  }): void {
    this.aiLatency.observe({ provider: call.provider, task: call.task, ok: String(call.ok) }, call.seconds);
    this.aiTokens.inc({ provider: call.provider, task: call.task, kind: 'prompt' }, call.tokens.prompt);
    this.aiTokens.inc({ provider: call.provider, task: call.task, kind: 'completion' }, call.tokens.completion);
  }

  turnApplied(characterId: string): void {
    this.turns.inc({ character: characterId });
  }

  dialogueStarted(characterId: string): void {
    this.started.inc({ character: characterId });
    this.active.inc();
  }

  dialogueEnded(characterId: string): void {
    this.ended.inc({ character: characterId });
    this.active.dec();
  }

  outboxPublished(events: number): void {
    this.published.inc(events);
  }

  outboxPublishFailed(): void {
    this.publishFailures.inc();
  }

  outboxDepth(dialogues: number): void {
    this.depth.set(dialogues);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

let processWide: PromMetrics | undefined;

/** One registry per process: what Prometheus scrapes from this pod's `/metrics`. */
export function processMetrics(): PromMetrics {
  processWide ??= new PromMetrics({ defaultMetrics: true });
  return processWide;
}
