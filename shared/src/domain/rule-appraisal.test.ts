import { AppraisalSchema } from './dialogue';
import { ruleBasedAppraisal, type AppraiseInput } from './rule-appraisal';

function appraise(strategyId: string, traits: Record<string, number>, playerText = 'some words') {
  return ruleBasedAppraisal(appraiseInput(strategyId, playerText, traits));
}

describe('ruleBasedAppraisal', () => {
  // [case, strategy, traits, expectation on opinion delta, expectation on progress delta]
  type Check = (n: number) => boolean;
  const up: Check = (n) => n > 0;
  const down: Check = (n) => n < 0;
  const little: Check = (n) => n <= 1;
  const any: Check = () => true;
  const cases: Array<[string, string, Record<string, number>, Check, Check]> = [
    ['flattering a vain character raises their opinion', 'flatter', { vanity: 0.9, suspicion: 0.2 }, up, up],
    [
      'flattering a modest character lowers it or does little',
      'flatter',
      { vanity: 0.1, suspicion: 0.5 },
      little,
      little,
    ],
    ['intimidating a brave character lowers opinion and progress', 'intimidate', { courage: 0.9 }, down, down],
    ['intimidating a timid character lowers opinion but moves the goal', 'intimidate', { courage: 0.1 }, down, up],
    ['bribing a greedy character moves the goal', 'bribe', { greed: 0.9, honesty: 0.2 }, any, up],
    ['bribing an honest, frugal character backfires', 'bribe', { greed: 0.1, honesty: 0.9 }, down, down],
    ['deceiving an honest, suspicious character backfires', 'deceive', { honesty: 0.9, suspicion: 0.8 }, down, down],
    ['deceiving a gullible character works', 'deceive', { honesty: 0.1, suspicion: 0.1 }, up, up],
    ['empathizing with an empathic character raises opinion', 'empathize', { empathy: 0.9 }, up, up],
    [
      'persuading an honest character works moderately',
      'persuade',
      { honesty: 0.9, suspicion: 0.3 },
      up,
      (n) => n > 0.05 && n < 0.25,
    ],
  ];

  test.each(cases)('%s', (_name, strategy, traits, opinion, progress) => {
    const appraisal = appraise(strategy, traits);
    expect(AppraisalSchema.parse(appraisal)).toEqual(appraisal);
    expect(opinion(appraisal.opinionDelta)).toBe(true);
    expect(progress(appraisal.goalProgressDelta)).toBe(true);
    expect(appraisal.reasons.join(' ')).toMatch(/\bTest\b/);
  });

  test('a vain character likes flattery more than a modest one', () => {
    expect(appraise('flatter', { vanity: 0.9 }).opinionDelta).toBeGreaterThan(
      appraise('flatter', { vanity: 0.1 }).opinionDelta,
    );
  });

  test('a brave character takes threats worse than a timid one', () => {
    const brave = appraise('intimidate', { courage: 0.9 });
    const timid = appraise('intimidate', { courage: 0.1 });
    expect(brave.opinionDelta).toBeLessThan(timid.opinionDelta);
    expect(brave.emotion).not.toBe(timid.emotion);
  });

  test('mood follows the reaction: a welcome approach lifts valence, a bad one lowers it', () => {
    expect(appraise('empathize', { empathy: 0.9 }).valence).toBeGreaterThan(0);
    expect(appraise('intimidate', { courage: 0.9 }).valence).toBeLessThan(0);
  });

  test('deltas stay within the per-turn bounds for extreme traits', () => {
    for (const strategy of ['flatter', 'intimidate', 'bribe', 'deceive', 'empathize', 'persuade', 'dance']) {
      for (const v of [0, 1]) {
        const a = appraise(strategy, { vanity: v, courage: v, honesty: v, greed: v, empathy: v, suspicion: v });
        expect(Math.abs(a.opinionDelta)).toBeLessThanOrEqual(15);
        expect(Math.abs(a.goalProgressDelta)).toBeLessThanOrEqual(0.3);
      }
    }
  });

  // It listens to the words, not only to the label that came with them.
  test.each<[string, string, string, (a: ReturnType<typeof appraise>) => void]>([
    [
      'an insult sent as flatter is an insult, and the reason says so',
      'flatter',
      'Your maps are rubbish and you are a fool.',
      (a) => {
        expect(a.offenses).toContain('insult');
        expect(a.opinionDelta).toBeLessThan(0);
        expect(a.goalProgressDelta).toBeLessThan(0);
        expect(a.reasons[0]).toMatch(/hears an insult, not praise.*fool/);
      },
    ],
    [
      'sincere praise sent as flatter is flattery',
      'flatter',
      'Your maps are wonderful, truly beautiful work.',
      (a) => {
        expect(a.offenses).toEqual([]);
        expect(a.opinionDelta).toBeGreaterThan(appraise('flatter', { vanity: 0.8 }).opinionDelta);
        expect(a.reasons.join(' ')).toMatch(/warm words.*wonderful/);
      },
    ],
    [
      'gloomy words sent as flatter do not sound like praise',
      'flatter',
      'It is a sad, cold night.',
      (a) => {
        expect(a.offenses).toEqual([]);
        expect(a.reasons[0]).toMatch(/do not sound like praise/);
        expect(a.opinionDelta).toBeLessThan(0);
      },
    ],
    [
      'a threat is a threat',
      'intimidate',
      'Help me or you will regret it.',
      (a) => expect(a.offenses).toContain('threat'),
    ],
    [
      'a lie is declared as deceive',
      'deceive',
      'The lord sent me, he will pay.',
      (a) => expect(a.offenses).toEqual(['lie']),
    ],
  ])('%s', (_name, strategy, text, check) => check(appraise(strategy, { vanity: 0.8, courage: 0.8 }, text)));

  test('naming someone the character likes or dislikes moves the opinion that way', () => {
    const base = { ...appraiseInput('persuade', 'Think about the town.') };
    const liked = ruleBasedAppraisal({
      ...base,
      playerText: 'Ilse asked me to come.',
      character: { ...base.character, opinions: { player: 0, 'scholar-ilse': 35 } },
    });
    const disliked = ruleBasedAppraisal({
      ...base,
      playerText: 'Bram asked me to come.',
      character: { ...base.character, opinions: { player: 0, 'captain-bram': -20 } },
    });
    expect(liked.opinionDelta).toBeGreaterThan(disliked.opinionDelta);
    expect(liked.reasons.join(' ')).toMatch(/fond of Ilse/);
    expect(disliked.reasons.join(' ')).toMatch(/thinks little of Bram/);
  });
});

function appraiseInput(strategyId: string, playerText: string, traits: Record<string, number> = {}): AppraiseInput {
  return {
    seed: 1,
    character: {
      id: 'npc',
      name: 'Test Npc',
      persona: 'A test character.',
      greeting: 'Hello.',
      traits,
      secrets: [],
      mood: { emotion: 'neutral', intensity: 0.3, valence: 0 },
      opinionOfPlayer: 0,
    },
    goal: { id: 'goal', description: 'Get the key', successHint: 'The key is handed over' },
    strategy: { id: strategyId, description: strategyId },
    goalProgress: 0.2,
    playerText,
  };
}
