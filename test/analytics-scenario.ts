// A small, deterministic sequence of real events (built by the domain transitions) for the
// analytics and log tests, with the figures a correct report must show for it.
import {
  CharacterSchema,
  type Character,
  buildEvent,
  eventSource,
  type ParleyEvent,
  applyTurn,
  chooseGoalAndStrategy,
  endDialogue,
  startDialogue,
  decideTurn,
} from '@parley/shared';
import mara from '../content/characters/innkeeper-mara.json';

export const character: Character = CharacterSchema.parse(mara);

const t0 = Date.parse('2030-01-01T10:00:00.000Z');
const at = (seconds: number) => new Date(t0 + seconds * 1000);

type ScenarioTurn = { strategyId: string; valence: number; opinionDelta: number; goalProgressDelta: number };

/** A dialogue played through the real rules (decideTurn), each turn a different line. */
function dialogue(id: string, goalId: string, turns: ScenarioTurn[]): ParleyEvent[] {
  const { goal, strategy } = chooseGoalAndStrategy(character, goalId, turns[0]!.strategyId);
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
    const playerText = `Line number ${i + 1}.`;
    const appraisal = {
      emotion: 'curious',
      intensity: 0.5,
      valence: turn.valence,
      opinionDelta: turn.opinionDelta,
      goalProgressDelta: turn.goalProgressDelta,
      reasons: ['test'],
    };
    const decision = decideTurn({ state, character, goal, strategyId: turn.strategyId, playerText, appraisal });
    const applied = applyTurn(
      state,
      { playerText, strategyId: turn.strategyId, replyText: 'Hm.', decision, nextOptions: [] },
      { source: eventSource('dialogue-message'), now: at(i + 1) },
    );
    state = applied.state;
    events.push(...applied.events);
  });
  events.push(
    ...endDialogue(
      state,
      { character, summary: 'done', endedBy: 'player' },
      { source: eventSource('dialogue-end'), now: at(60) },
    ).events,
  );
  return events;
}

function aiCall(
  id: string,
  fields: {
    provider: string;
    task: string;
    latencyMs: number;
    prompt: number;
    completion: number;
    ok: boolean;
    fallback?: boolean;
  },
): ParleyEvent {
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

/**
 * Two dialogues with Mara (a free room won at turn 3 with flatter twice then persuade once; the
 * rumour not learned with one bribe) and three AI calls.
 */
export function analyticsScenario(): ParleyEvent[] {
  return [
    ...dialogue('00000000-0000-4000-8000-00000000000a', 'free-room', [
      { strategyId: 'flatter', valence: 0.5, opinionDelta: 10, goalProgressDelta: 0.3 },
      { strategyId: 'flatter', valence: 0.5, opinionDelta: 10, goalProgressDelta: 0.3 },
      { strategyId: 'persuade', valence: 0.5, opinionDelta: 10, goalProgressDelta: 0.3 },
    ]),
    ...dialogue('00000000-0000-4000-8000-00000000000b', 'learn-rumour', [
      { strategyId: 'bribe', valence: -0.2, opinionDelta: -5, goalProgressDelta: 0.1 },
    ]),
    aiCall('ai-1', {
      provider: 'scripted',
      task: 'dialogue.reply',
      latencyMs: 10,
      prompt: 100,
      completion: 20,
      ok: true,
    }),
    aiCall('ai-2', {
      provider: 'scripted',
      task: 'dialogue.appraise',
      latencyMs: 30,
      prompt: 50,
      completion: 5,
      ok: true,
      fallback: true,
    }),
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
      // Credited by share of turns: flatter 2 of 3 turns, persuade 1 of 3, bribe 1 of 1.
      goalSuccessRateByStrategy: {
        bribe: { ended: 1, achieved: 0, turns: 1, rate: 0 },
        flatter: { ended: 0.667, achieved: 0.667, turns: 2, rate: 1 },
        persuade: { ended: 0.333, achieved: 0.333, turns: 1, rate: 1 },
      },
      // (0.5 - 0.3 + -0.2 - 0.3) / 2; opinion (10 + 10/1.15 + 10 = 28.7, the second flatter tiring) and -5, / 2
      averageMoodChange: -0.15,
      averageOpinionChange: 11.85,
      memories: { written: 0, recalled: 0, forgotten: 0, forgetMeRequests: 0 },
    },
  },
  ai: {
    openai: {
      calls: 1,
      failures: 1,
      fallbacks: 0,
      averageLatencyMs: 500,
      tokens: { prompt: 0, completion: 0, total: 0 },
    },
    scripted: {
      calls: 2,
      failures: 0,
      fallbacks: 1,
      averageLatencyMs: 20,
      tokens: { prompt: 150, completion: 25, total: 175 },
    },
  },
  tasks: {
    'dialogue.appraise': { calls: 1, failures: 0 },
    'dialogue.reply': { calls: 2, failures: 1 },
  },
};
