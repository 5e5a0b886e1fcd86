/**
 * What use cases, the AI gateway and the outbox relay report. Callers never see the metrics
 * library; the Prometheus adapter (prom-metrics.ts) turns these calls into series. Every method is
 * fire-and-forget and must never throw into the caller.
 */
export interface MetricsRecorder {
  aiCall(call: {
    provider: string;
    task: string;
    ok: boolean;
    seconds: number;
    tokens: { prompt: number; completion: number };
  }): void;
  turnApplied(characterId: string): void;
  dialogueStarted(characterId: string): void;
  dialogueEnded(characterId: string): void;
  outboxPublished(events: number): void;
  outboxPublishFailed(): void;
  /** Dialogues with events not yet published, as the relay last saw them. */
  outboxDepth(dialogues: number): void;
}

/** For callers built without metrics (unit tests, tools). */
export const NO_METRICS: MetricsRecorder = {
  aiCall: () => undefined,
  turnApplied: () => undefined,
  dialogueStarted: () => undefined,
  dialogueEnded: () => undefined,
  outboxPublished: () => undefined,
  outboxPublishFailed: () => undefined,
  outboxDepth: () => undefined,
};
