import { parseEventData, type EventHandler, type Logger, type ParleyEvent, type SeenEvents } from '@parley/shared';

/**
 * A few fields that say what happened, not the whole payload: player text and AI output stay out
 * of the log. Data that does not fit its type is still logged (this is the place to see it).
 */
export function summarizeEvent(event: ParleyEvent): Record<string, unknown> {
  try {
    return summaryOf(event);
  } catch (err) {
    return { invalidData: (err as Error).message };
  }
}

function summaryOf(event: ParleyEvent): Record<string, unknown> {
  switch (event.type) {
    case 'dialogue.initiate':
      return pick(parseEventData('dialogue.initiate', event), [
        'dialogueId',
        'playerId',
        'characterId',
        'goalId',
        'strategyId',
      ]);
    case 'dialogue.progress': {
      const d = parseEventData('dialogue.progress', event);
      return {
        ...pick(d, ['dialogueId', 'characterId', 'seq', 'strategyId']),
        mood: d.changes.mood.after.emotion,
        opinionDelta: d.changes.opinion.delta,
        goalProgress: d.changes.goalProgress.after,
      };
    }
    case 'dialogue.resolve': {
      const d = parseEventData('dialogue.resolve', event);
      return pick(d, [
        'dialogueId',
        'characterId',
        'goalId',
        'strategyId',
        'goalAchieved',
        'turnCount',
        'durationMs',
        'endedBy',
      ]);
    }
    case 'analytics.logging': {
      const d = parseEventData('analytics.logging', event);
      return {
        ...pick(d, ['task', 'provider', 'model', 'latencyMs', 'ok']),
        fallback: d.fallback ?? false,
        tokens: d.tokens.total,
      };
    }
    case 'character.memory': {
      // Ids and counts only: memory text is the player's story, not the log's.
      const d = parseEventData('character.memory', event);
      return {
        playerId: d.playerId,
        characterId: d.characterId,
        change: d.change,
        by: d.by,
        memoryIds: d.memoryIds ?? (d.memories ?? []).map((m) => m.id),
        ...(d.relationship ? { opinion: d.relationship.opinion } : {}),
        ...(d.dialogueId ? { dialogueId: d.dialogueId } : {}),
      };
    }
  }
}

/** The named fields of `data`, in that order. */
function pick<T extends object, K extends keyof T>(data: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, data[key]])) as Pick<T, K>;
}

/**
 * The dialogue-log subscriber: one structured line per event, once per event id (brokers deliver
 * at least once). A failure of `seen` rejects, so the delivery is retried rather than lost.
 */
export function createLogHandler(deps: { logger: Logger; seen: SeenEvents }): EventHandler {
  return async (event) => {
    if (!(await deps.seen.firstTime(event.id))) {
      deps.logger.debug({ eventId: event.id, type: event.type }, 'duplicate event skipped');
      return;
    }
    deps.logger.info(
      {
        event: {
          type: event.type,
          id: event.id,
          subject: event.subject,
          sequence: event.sequence,
          source: event.source,
          time: event.time,
          ...(event.traceparent ? { traceparent: event.traceparent } : {}),
        },
        summary: summarizeEvent(event),
      },
      event.type,
    );
  };
}
