import { z } from 'zod';
import { BadRequest } from './errors';
import { EVENT_DATA_SCHEMAS, type EventData, type EventType, type ParleyEvent } from './events';

/**
 * Analytics are kept as flat counters (name -> running sum) so that a store can apply one event
 * atomically with plain increments, and the report is derived from them on read.
 *
 * Counter names are `:`-separated segments; ids are URI-encoded (which escapes `:`) and cut to a
 * bounded length, so no event can forge another counter's name or grow names without limit.
 */
const MAX_SEGMENT_CHARS = 64;

function segment(value: string): string {
  // Cut by code points: slicing a surrogate pair would make encodeURIComponent throw.
  return encodeURIComponent(Array.from(value).slice(0, MAX_SEGMENT_CHARS).join(''));
}

export const analyticsCounter = {
  characterStarted: (characterId: string) => `character:${segment(characterId)}:started`,
  characterEnded: (characterId: string) => `character:${segment(characterId)}:ended`,
  characterTurnsAtEnd: (characterId: string) => `character:${segment(characterId)}:turnsAtEnd`,
  characterMoodChange: (characterId: string) => `character:${segment(characterId)}:moodValenceChange`,
  characterOpinionChange: (characterId: string) => `character:${segment(characterId)}:opinionChange`,
  strategyEnded: (characterId: string, strategyId: string) =>
    `character:${segment(characterId)}:strategy:${segment(strategyId)}:ended`,
  strategyAchieved: (characterId: string, strategyId: string) =>
    `character:${segment(characterId)}:strategy:${segment(strategyId)}:achieved`,
  strategyTurns: (characterId: string, strategyId: string) =>
    `character:${segment(characterId)}:strategy:${segment(strategyId)}:turns`,
  memoriesWritten: (characterId: string) => `character:${segment(characterId)}:memoriesWritten`,
  memoriesRecalled: (characterId: string) => `character:${segment(characterId)}:memoriesRecalled`,
  memoriesForgotten: (characterId: string) => `character:${segment(characterId)}:memoriesForgotten`,
  forgetMeRequests: (characterId: string) => `character:${segment(characterId)}:forgetMe`,
  aiCalls: (provider: string) => `ai:${segment(provider)}:calls`,
  aiFailures: (provider: string) => `ai:${segment(provider)}:failures`,
  aiFallbacks: (provider: string) => `ai:${segment(provider)}:fallbacks`,
  aiLatencyMs: (provider: string) => `ai:${segment(provider)}:latencyMs`,
  aiTokensPrompt: (provider: string) => `ai:${segment(provider)}:tokensPrompt`,
  aiTokensCompletion: (provider: string) => `ai:${segment(provider)}:tokensCompletion`,
  taskCalls: (task: string) => `task:${segment(task)}:calls`,
  taskFailures: (task: string) => `task:${segment(task)}:failures`,
} as const;

/** The event's data, checked against its type's schema; a malformed event is a 400 (not retried). */
export function parseEventData<T extends EventType>(type: T, event: ParleyEvent): EventData<T> {
  const schema = EVENT_DATA_SCHEMAS[type] as unknown as z.ZodType<EventData<T>>;
  const parsed = schema.safeParse(event.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BadRequest(`invalid ${type} data: ${issue.path.join('.') || '(root)'}: ${issue.message}`, {
      details: { eventId: event.id },
    });
  }
  return parsed.data;
}

/**
 * What one event adds to the counters. Progress events add nothing: averages are taken over ended
 * dialogues, whose outcome already carries the turn count and the changes. Zero increments are
 * kept on purpose so that, e.g., a strategy that never succeeded still shows up with rate 0.
 */
export function analyticsIncrements(event: ParleyEvent): Record<string, number> {
  switch (event.type) {
    case 'dialogue.initiate': {
      const data = parseEventData('dialogue.initiate', event);
      return { [analyticsCounter.characterStarted(data.characterId)]: 1 };
    }
    case 'dialogue.progress': {
      const p = parseEventData('dialogue.progress', event);
      const recalled = p.changes.recalled?.length ?? 0;
      return recalled > 0 ? { [analyticsCounter.memoriesRecalled(p.characterId)]: recalled } : {};
    }
    case 'dialogue.resolve': {
      const o = parseEventData('dialogue.resolve', event);
      const increments: Record<string, number> = {
        [analyticsCounter.characterEnded(o.characterId)]: 1,
        [analyticsCounter.characterTurnsAtEnd(o.characterId)]: o.turnCount,
        [analyticsCounter.characterMoodChange(o.characterId)]: o.moodChange.valenceDelta,
        [analyticsCounter.characterOpinionChange(o.characterId)]: o.opinionChange.delta,
      };
      for (const [strategyId, share] of Object.entries(strategyShares(o))) {
        increments[analyticsCounter.strategyEnded(o.characterId, strategyId)] = share.weight;
        increments[analyticsCounter.strategyAchieved(o.characterId, strategyId)] = o.goalAchieved ? share.weight : 0;
        increments[analyticsCounter.strategyTurns(o.characterId, strategyId)] = share.turns;
      }
      return increments;
    }
    case 'analytics.logging': {
      const a = parseEventData('analytics.logging', event);
      return {
        [analyticsCounter.aiCalls(a.provider)]: 1,
        [analyticsCounter.aiFailures(a.provider)]: a.ok ? 0 : 1,
        [analyticsCounter.aiFallbacks(a.provider)]: a.fallback ? 1 : 0,
        [analyticsCounter.aiLatencyMs(a.provider)]: a.latencyMs,
        [analyticsCounter.aiTokensPrompt(a.provider)]: a.tokens.prompt,
        [analyticsCounter.aiTokensCompletion(a.provider)]: a.tokens.completion,
        [analyticsCounter.taskCalls(a.task)]: 1,
        [analyticsCounter.taskFailures(a.task)]: a.ok ? 0 : 1,
      };
    }
    case 'character.memory': {
      const m = parseEventData('character.memory', event);
      if (m.change === 'added') return { [analyticsCounter.memoriesWritten(m.characterId)]: m.memories?.length ?? 0 };
      if (m.change === 'forgotten') {
        return {
          [analyticsCounter.memoriesForgotten(m.characterId)]: m.memoryIds?.length ?? 0,
          [analyticsCounter.forgetMeRequests(m.characterId)]: m.by === 'player' ? 1 : 0,
        };
      }
      return {};
    }
  }
}

/**
 * Which strategies a dialogue credits: those the player used, each weighted by its share of the
 * turns (flatter 2 turns + persuade 1 turn: 2/3 and 1/3 of the dialogue). A dialogue ended before
 * any turn credits none; an outcome from before per-strategy tallies credits its opening strategy.
 */
export function strategyShares(o: EventData<'dialogue.resolve'>): Record<string, { weight: number; turns: number }> {
  const used = Object.entries(o.strategies).filter(([, tally]) => tally.turns > 0);
  const turns = used.reduce((sum, [, tally]) => sum + tally.turns, 0);
  if (turns === 0) return o.turnCount > 0 ? { [o.strategyId]: { weight: 1, turns: o.turnCount } } : {};
  return Object.fromEntries(used.map(([id, tally]) => [id, { weight: tally.turns / turns, turns: tally.turns }]));
}

const CountSchema = z.number().min(0);
/** Averages are null while there is nothing to average over. */
const AverageSchema = z.number().nullable();

export const CharacterAnalyticsSchema = z.strictObject({
  dialoguesStarted: CountSchema,
  dialoguesEnded: CountSchema,
  averageTurns: AverageSchema,
  /**
   * Per strategy used: `ended` and `achieved` are dialogues weighted by the strategy's share of their
   * turns, `turns` the turns played with it, `rate` = achieved / ended.
   */
  goalSuccessRateByStrategy: z.record(
    z.string(),
    z.strictObject({ ended: CountSchema, achieved: CountSchema, turns: CountSchema, rate: z.number().min(0).max(1) }),
  ),
  averageMoodChange: AverageSchema,
  averageOpinionChange: AverageSchema,
  /** Memories this character wrote, recalled into prompts and forgot; forget-me requests of players. */
  memories: z.strictObject({
    written: CountSchema,
    recalled: CountSchema,
    forgotten: CountSchema,
    forgetMeRequests: CountSchema,
  }),
});
export const ProviderAnalyticsSchema = z.strictObject({
  calls: CountSchema,
  failures: CountSchema,
  fallbacks: CountSchema,
  averageLatencyMs: AverageSchema,
  tokens: z.strictObject({ prompt: CountSchema, completion: CountSchema, total: CountSchema }),
});
export const TaskAnalyticsSchema = z.strictObject({ calls: CountSchema, failures: CountSchema });

/** The answer of `GET /v1/analytics`. */
export const AnalyticsReportSchema = z.strictObject({
  characters: z.record(z.string(), CharacterAnalyticsSchema),
  ai: z.record(z.string(), ProviderAnalyticsSchema),
  tasks: z.record(z.string(), TaskAnalyticsSchema),
});
export type AnalyticsReport = z.infer<typeof AnalyticsReportSchema>;
export type CharacterAnalytics = z.infer<typeof CharacterAnalyticsSchema>;
export type ProviderAnalytics = z.infer<typeof ProviderAnalyticsSchema>;

// Float sums drift (0.1 + 0.2); reports show a fixed precision.
const round = (value: number, places = 3) => Math.round(value * 10 ** places) / 10 ** places;
const average = (sum: number, count: number) => (count > 0 ? round(sum / count) : null);

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

// The last part of a counter's name -> the field of the report entry it adds to.
const CHARACTER_COUNTERS = {
  started: 'started',
  ended: 'ended',
  turnsAtEnd: 'turnsAtEnd',
  moodValenceChange: 'mood',
  opinionChange: 'opinion',
} as const;
const MEMORY_COUNTERS = {
  memoriesWritten: 'written',
  memoriesRecalled: 'recalled',
  memoriesForgotten: 'forgotten',
  forgetMe: 'forgetMeRequests',
} as const;
const STRATEGY_COUNTERS = { ended: 'ended', achieved: 'achieved', turns: 'turns' } as const;
const PROVIDER_COUNTERS = {
  calls: 'calls',
  failures: 'failures',
  fallbacks: 'fallbacks',
  latencyMs: 'latencyMs',
  tokensPrompt: 'prompt',
  tokensCompletion: 'completion',
} as const;
const TASK_COUNTERS = { calls: 'calls', failures: 'failures' } as const;

function fieldOf<T extends Record<string, string>>(table: T, part: string | undefined): T[keyof T] | undefined {
  return part !== undefined && Object.hasOwn(table, part) ? table[part as keyof T] : undefined;
}

function entryOf<T>(map: Map<string, T>, id: string, fresh: () => T): T {
  let entry = map.get(id);
  if (!entry) {
    entry = fresh();
    map.set(id, entry);
  }
  return entry;
}

/** Builds the report from the counters; names it does not know (e.g. from a newer version) are ignored. */
export function analyticsReport(counters: Record<string, number>): AnalyticsReport {
  type Memories = { written: number; recalled: number; forgotten: number; forgetMeRequests: number };
  const characters = new Map<
    string,
    {
      started: number;
      ended: number;
      turnsAtEnd: number;
      mood: number;
      opinion: number;
      memories: Memories;
      strategies: Map<string, { ended: number; achieved: number; turns: number }>;
    }
  >();
  const providers = new Map<
    string,
    { calls: number; failures: number; fallbacks: number; latencyMs: number; prompt: number; completion: number }
  >();
  const tasks = new Map<string, { calls: number; failures: number }>();

  const characterEntry = (id: string) =>
    entryOf(characters, id, () => ({
      started: 0,
      ended: 0,
      turnsAtEnd: 0,
      mood: 0,
      opinion: 0,
      memories: { written: 0, recalled: 0, forgotten: 0, forgetMeRequests: 0 },
      strategies: new Map(),
    }));
  const providerEntry = (id: string) =>
    entryOf(providers, id, () => ({ calls: 0, failures: 0, fallbacks: 0, latencyMs: 0, prompt: 0, completion: 0 }));
  const taskEntry = (id: string) => entryOf(tasks, id, () => ({ calls: 0, failures: 0 }));

  for (const [name, value] of Object.entries(counters)) {
    if (!Number.isFinite(value)) continue;
    const parts = name.split(':');
    const [kind, rawId] = parts;
    const id = rawId === undefined ? null : decode(rawId);
    if (id === null) continue;
    if (kind === 'character' && parts.length === 3) {
      const entry = characterEntry(id);
      const field = fieldOf(CHARACTER_COUNTERS, parts[2]);
      const memoryField = fieldOf(MEMORY_COUNTERS, parts[2]);
      if (field) entry[field] += value;
      else if (memoryField) entry.memories[memoryField] += value;
    } else if (kind === 'character' && parts.length === 5 && parts[2] === 'strategy') {
      const strategyId = decode(parts[3]!);
      if (strategyId === null) continue;
      const strategies = characterEntry(id).strategies;
      const entry = entryOf(strategies, strategyId, () => ({ ended: 0, achieved: 0, turns: 0 }));
      const field = fieldOf(STRATEGY_COUNTERS, parts[4]);
      if (field) entry[field] += value;
    } else if (kind === 'ai' && parts.length === 3) {
      const entry = providerEntry(id);
      const field = fieldOf(PROVIDER_COUNTERS, parts[2]);
      if (field) entry[field] += value;
    } else if (kind === 'task' && parts.length === 3) {
      const entry = taskEntry(id);
      const field = fieldOf(TASK_COUNTERS, parts[2]);
      if (field) entry[field] += value;
    }
  }

  const report: AnalyticsReport = { characters: {}, ai: {}, tasks: {} };
  for (const [id, c] of [...characters].sort(byKey)) {
    const goalSuccessRateByStrategy: CharacterAnalytics['goalSuccessRateByStrategy'] = {};
    for (const [strategyId, s] of [...c.strategies].sort(byKey)) {
      goalSuccessRateByStrategy[strategyId] = {
        ended: round(s.ended),
        achieved: round(s.achieved),
        turns: s.turns,
        rate: s.ended > 0 ? round(Math.min(1, s.achieved / s.ended)) : 0,
      };
    }
    report.characters[id] = {
      dialoguesStarted: c.started,
      dialoguesEnded: c.ended,
      averageTurns: average(c.turnsAtEnd, c.ended),
      goalSuccessRateByStrategy,
      averageMoodChange: average(c.mood, c.ended),
      averageOpinionChange: average(c.opinion, c.ended),
      memories: { ...c.memories },
    };
  }
  for (const [id, p] of [...providers].sort(byKey)) {
    report.ai[id] = {
      calls: p.calls,
      failures: p.failures,
      fallbacks: p.fallbacks,
      averageLatencyMs: average(p.latencyMs, p.calls),
      tokens: { prompt: p.prompt, completion: p.completion, total: p.prompt + p.completion },
    };
  }
  for (const [id, t] of [...tasks].sort(byKey)) report.tasks[id] = { calls: t.calls, failures: t.failures };
  return report;
}

function byKey<T>(a: [string, T], b: [string, T]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
