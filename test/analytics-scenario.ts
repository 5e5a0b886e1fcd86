// A small, deterministic sequence of real events (built by the domain transitions) for the
// analytics and log tests, with the figures a correct report must show for it.
import { CharacterSchema, type Character } from '../shared/src/domain/character';
import { buildEvent, eventSource, type ParleyEvent } from '../shared/src/domain/events';
import { applyTurn, chooseGoalAndStrategy, endDialogue, startDialogue } from '../shared/src/domain/transitions';
import mara from '../content/characters/innkeeper-mara.json';

export const character: Character = CharacterSchema.parse(mara);

const t0 = Date.parse('2030-01-01T10:00:00.000Z');
const at = (seconds: number) => new Date(t0 + seconds * 1000);

function dialogue(id: string, strategyId: string, turns: Array<{ valence: number; opinionDelta: number; goalProgressDelta: number }>): ParleyEvent[] {
  const { goal, strategy } = chooseGoalAndStrategy(character, 'learn-rumour', strategyId);
  const started = startDialogue({
    id,
    playerId: 'player-1',
    character,
    goal,
    strategy,
    greetingText: 'Welcome, traveller.',
    options: [],
    ctx: { source: eventSource('dialogue-start'), now: at(0) },
  });
  const events = [...started.events];
  let state = started.state;
  turns.forEach((turn, i) => {
    const applied = applyTurn(
      state,
      {
        playerText: 'Hello there.',
        strategyId,
        replyText: 'Hm.',
        appraisal: { emotion: 'curious', intensity: 0.5, valence: turn.valence, opinionDelta: turn.opinionDelta, goalProgressDelta: turn.goalProgressDelta, reasons: ['test'] },
        nextOptions: [],
      },
      { source: eventSource('dialogue-message'), now: at(i + 1) },
    );
    state = applied.state;
    events.push(...applied.events);
  });
  events.push(...endDialogue(state, { character, summary: 'done', endedBy: 'player' }, { source: eventSource('dialogue-end'), now: at(60) }).events);
  return events;
}

function aiCall(id: string, fields: { provider: string; task: string; latencyMs: number; prompt: number; completion: number; ok: boolean; fallback?: boolean }): ParleyEvent {
  return buildEvent({
    id,
    type: 'analytics.logging',
    source: eventSource('ai-generate'),
    time: at(5).toISOString(),
    data: {
      task: fields.task,
      provider: fields.provider,
      model: 'test-model',
      latencyMs: fields.latencyMs,
      tokens: { prompt: fields.prompt, completion: fields.completion, total: fields.prompt + fields.completion },
      ok: fields.ok,
      ...(fields.fallback === undefined ? {} : { fallback: fields.fallback }),
    },
  });
}

/** Two dialogues with Mara (one achieved with flatter over 3 turns, one failed with bribe in 1) and three AI calls. */
export function analyticsScenario(): ParleyEvent[] {
  return [
    ...dialogue('00000000-0000-4000-8000-00000000000a', 'flatter', [
      { valence: 0.5, opinionDelta: 10, goalProgressDelta: 0.3 },
      { valence: 0.5, opinionDelta: 10, goalProgressDelta: 0.3 },
      { valence: 0.5, opinionDelta: 10, goalProgressDelta: 0.3 },
    ]),
    ...dialogue('00000000-0000-4000-8000-00000000000b', 'bribe', [{ valence: -0.2, opinionDelta: -5, goalProgressDelta: 0.1 }]),
    aiCall('ai-1', { provider: 'scripted', task: 'dialogue.reply', latencyMs: 10, prompt: 100, completion: 20, ok: true }),
    aiCall('ai-2', { provider: 'scripted', task: 'dialogue.appraise', latencyMs: 30, prompt: 50, completion: 5, ok: true, fallback: true }),
    aiCall('ai-3', { provider: 'openai', task: 'dialogue.reply', latencyMs: 500, prompt: 0, completion: 0, ok: false }),
  ];
}

/** The report `analyticsScenario` must give. Baseline valence 0.3 and opinion 0. */
export const expectedScenarioReport = {
  characters: {
    'innkeeper-mara': {
      dialoguesStarted: 2,
      dialoguesEnded: 2,
      averageTurns: 2,
      goalSuccessRateByStrategy: {
        bribe: { ended: 1, achieved: 0, rate: 0 },
        flatter: { ended: 1, achieved: 1, rate: 1 },
      },
      // (0.5 - 0.3 + -0.2 - 0.3) / 2 and (30 + -5) / 2
      averageMoodChange: -0.15,
      averageOpinionChange: 12.5,
    },
  },
  ai: {
    openai: { calls: 1, failures: 1, fallbacks: 0, averageLatencyMs: 500, tokens: { prompt: 0, completion: 0, total: 0 } },
    scripted: { calls: 2, failures: 0, fallbacks: 1, averageLatencyMs: 20, tokens: { prompt: 150, completion: 25, total: 175 } },
  },
  tasks: {
    'dialogue.appraise': { calls: 1, failures: 0 },
    'dialogue.reply': { calls: 2, failures: 1 },
  },
};
