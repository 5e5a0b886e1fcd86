/**
 * A dialogue as a small game, through the real express apps with the scripted provider and the
 * three stock characters: a sensible player wins, a parrot does not, an insolent one is shown the
 * door; the turn answers, the SSE stream, the events and the outcome all say so.
 */
import { collectSse } from '../support/sse';
import { getJson, postJson } from '../support/http';
import { startDialogueFunctions } from '../support/dialogue-harness';
import { CharacterSchema, lineHash, type Character } from '@parley/shared';
import maraJson from '../../content/characters/innkeeper-mara.json';
import bramJson from '../../content/characters/captain-bram.json';
import ilseJson from '../../content/characters/scholar-ilse.json';

type Harness = Awaited<ReturnType<typeof startDialogueFunctions>>;
let h: Harness;

beforeAll(async () => {
  h = await startDialogueFunctions();
});
afterAll(async () => {
  await h.close();
});

const characters: Record<string, Character> = Object.fromEntries(
  [maraJson, bramJson, ilseJson].map((c) => [c.id, CharacterSchema.parse(c)]),
);
const start = (body: unknown) => postJson(`${h.urls.start}/v1/dialogues`, body);
const say = (id: string, n: number, text: string, strategyId: string) =>
  postJson(`${h.urls.message}/v1/dialogues/${id}/messages`, { messageId: `m-${n}`, text, strategyId });

/** Plays lines until the goal is reached, the character leaves, or the lines run out. */
async function play(characterId: string, goalId: string, strategyId: string, lines: string[]) {
  const { body: started } = await start({ characterId, goalId, strategyId });
  const turns = [];
  for (const [i, text] of lines.entries()) {
    const res = await say(started.dialogue.id, i + 1, text, strategyId);
    expect(res.status).toBe(200);
    turns.push(res.body);
    if (res.body.changes.goalAchieved || res.body.outcome) break;
  }
  return { dialogueId: started.dialogue.id as string, turns };
}

/** Words of the concession that carry its gist (no short words). */
const gist = (text: string) => text.toLowerCase().match(/[a-z]{5,}/g) ?? [];

// A sensible player: a strategy that fits the character's traits, and a different line every turn.
const sensible: Array<[string, string, string, string[]]> = [
  [
    'innkeeper-mara',
    'learn-rumour',
    'flatter',
    [
      'Your stew is the best I have tasted, Mara.',
      'This inn is wonderful, truly.',
      'You have a brilliant memory for faces.',
      'The Lantern is the finest inn on the road.',
      'Such a warm and welcoming hearth.',
      'You keep the cleanest beds in the valley, I love it.',
      'Travellers praise your kindness everywhere I go.',
      'Your bread is excellent.',
      'What a lovely place you keep.',
      'You are clever and sharp, everyone says so.',
      'I admire how well you run this house.',
      'The best innkeeper I have met, honestly.',
    ],
  ],
  [
    'captain-bram',
    'pass-gate',
    'persuade',
    [
      'I give you my word, I mean the city no harm.',
      'My brother waits for me on the far side, he is expecting me tonight.',
      'I have papers from the guild, you can check them yourself.',
      'Letting one honest traveller through keeps the peace better than a scene at the gate.',
      'Ask anyone at the Crooked Lantern, they will vouch for me.',
      'I will come straight back to report to you at dawn.',
      'Your soldiers can walk me through, I have nothing to hide.',
      'The roads outside are safe enough for one rider.',
      'I respect the watch and the rules you keep.',
      'It is a small thing for you and a great help to me.',
      'I will owe you a favour, and I pay my debts.',
      'Please, Captain, it matters, and I am telling you the truth.',
    ],
  ],
  [
    'scholar-ilse',
    'borrow-map',
    'empathize',
    [
      'Take your time, Ilse, there is no rush at all.',
      'It must be lonely, working here with no one to help.',
      'I understand, old maps deserve care and patience.',
      'You are safe, nobody will blame you for being careful.',
      'Your work here matters, and I can see how much you care.',
      'I would be nervous too, with so much to look after.',
      'Thank you for talking with me, I know you are busy.',
      'I will treat anything you lend me with the same care you do.',
      'You have been kind to me, I appreciate it.',
      'We can take it slowly, whatever you need.',
      'I hope the library gives you the thanks you deserve.',
      'I am glad to have met you, Ilse.',
    ],
  ],
];

describe('a sensible player', () => {
  test.each(sensible)(
    'wins %s (%s) with %s within 12 turns, and the conceding reply gives the concession',
    async (characterId, goalId, strategyId, lines) => {
      const { dialogueId, turns } = await play(characterId, goalId, strategyId, lines);
      const won = turns.findIndex((t) => t.changes.goalAchieved === true);
      expect(won).toBeGreaterThanOrEqual(0);
      expect(won).toBeLessThan(12);
      const concession = characters[characterId]!.goals.find((g) => g.id === goalId)!.concession!;
      const words = gist(concession);
      const said = turns[won].reply.text.toLowerCase();
      expect(words.filter((w) => said.includes(w)).length).toBeGreaterThanOrEqual(Math.ceil(words.length * 0.8));
      // Before the win no reply concedes, and the win's progress meets the public requirement.
      for (const t of turns.slice(0, won)) expect(t.changes.goalAchieved).toBeUndefined();
      const { body } = await getJson(`${h.urls.start}/v1/characters/${characterId}`);
      const requires = body.character.goals.find((g: { id: string }) => g.id === goalId).requires;
      expect(turns[won].dialogue.goalProgress).toBeGreaterThanOrEqual(requires.progress);
      expect(turns[won].dialogue.game.goalAchievedAt).toBe(won + 1);
      // The event for that turn carries the win too.
      const progress = h
        .dialogueEvents()
        .find((e) => e.subject === dialogueId && e.type === 'dialogue.progress' && e.sequence === won + 1);
      expect((progress!.data as { changes: { goalAchieved?: boolean } }).changes.goalAchieved).toBe(true);
      // The win sticks: the player may keep talking, and the end reports it.
      const after = await say(dialogueId, 99, 'Thank you, truly.', strategyId);
      expect(after.body.changes.goalAchieved).toBeUndefined();
      const ended = await postJson(`${h.urls.end}/v1/dialogues/${dialogueId}/end`, {});
      expect(ended.body.outcome).toMatchObject({ goalAchieved: true, goalAchievedAt: won + 1, endedBy: 'player' });
      expect(ended.body.outcome.summary).toContain('got what they came for');
    },
  );
});

describe('a player who repeats one line', () => {
  test.each(sensible)('never wins %s (%s) in 15 tries', async (characterId, goalId, strategyId, lines) => {
    const { body: started } = await start({ characterId, goalId, strategyId });
    let endedBy: string | undefined;
    for (let i = 1; i <= 15; i++) {
      const res = await say(started.dialogue.id, i, lines[0]!, strategyId);
      if (endedBy) {
        // The character has left: the dialogue is over.
        expect(res.status).toBe(409);
        continue;
      }
      expect(res.status).toBe(200);
      expect(res.body.changes.goalAchieved).toBeUndefined();
      if (i > 1) expect(res.body.changes.goalProgress.delta).toBeLessThanOrEqual(0);
      endedBy = res.body.outcome?.endedBy;
    }
    expect(endedBy).toBe('character');
  });
});

describe('a player who insults a brave character', () => {
  const insults = [
    'You are a worthless coward.',
    'Stupid old fool, open the gate.',
    'You are a pathetic excuse for a captain.',
    'What an idiot you are.',
    'Your soldiers are useless and so are you.',
    'You disgust me, you stupid man.',
    'You are a liar and a fool.',
    'Ugly, stupid and weak, that is you.',
  ];

  test('is shown the door within 8 turns: endedBy character, the stream says ended, resolve is emitted', async () => {
    const { body: started } = await start({ characterId: 'captain-bram', goalId: 'pass-gate', strategyId: 'persuade' });
    const id = started.dialogue.id as string;
    let last: { event: string; data: unknown }[] = [];
    let turns = 0;
    for (const [i, text] of insults.entries()) {
      const res = await fetch(`${h.urls.message}/v1/dialogues/${id}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ messageId: `insult-${i}`, text, strategyId: 'persuade' }),
      });
      last = await collectSse(res);
      turns = i + 1;
      if (last.some((e) => e.event === 'ended')) break;
    }
    expect(turns).toBeLessThanOrEqual(8);
    const names = last.map((e) => e.event);
    expect(names.slice(-6)).toEqual(['reply', 'changes', 'goal', 'ended', 'options', 'done']);
    const ended = last.find((e) => e.event === 'ended')!.data as { endedBy: string; outcome: Record<string, unknown> };
    expect(ended.endedBy).toBe('character');
    expect(ended.outcome).toMatchObject({ endedBy: 'character', goalAchieved: false, goalLost: true });
    expect(last.find((e) => e.event === 'goal')!.data).toEqual({ goalId: 'pass-gate', status: 'lost', seq: turns });
    expect(last.find((e) => e.event === 'changes')!.data).toMatchObject({
      characterLeft: true,
      goalLost: true,
      patience: { after: 0 },
    });
    expect(last.find((e) => e.event === 'options')!.data).toEqual([]);
    expect(last.find((e) => e.event === 'done')!.data).toMatchObject({ dialogue: { status: 'ended' } });
    // The insults were heard as insults, whatever the label said.
    expect(JSON.stringify(last.find((e) => e.event === 'changes')!.data)).toMatch(/insult/);
    // dialogue.resolve as for any end, and the dialogue reads as ended.
    const resolve = h.dialogueEvents().find((e) => e.subject === id && e.type === 'dialogue.resolve');
    expect(resolve!.data).toMatchObject({ endedBy: 'character', goalAchieved: false });
    const read = await getJson(`${h.urls.message}/v1/dialogues/${id}`);
    expect(read.body.dialogue.status).toBe('ended');
    expect(read.body.outcome.summary).not.toMatch(/got what they came for|won/);
    const more = await say(id, 50, 'Wait!', 'persuade');
    expect(more.status).toBe(409);
  });
});

describe('the outcome tells the truth', () => {
  test('flatter then persuade: both credited by turns; the summary follows the numbers', async () => {
    const { body: started } = await start({
      characterId: 'innkeeper-mara',
      goalId: 'free-room',
      strategyId: 'flatter',
    });
    const id = started.dialogue.id as string;
    const plan: Array<[string, string]> = [
      ['Your inn is famous across the kingdom.', 'flatter'],
      ['Such a lovely, warm common room.', 'flatter'],
      ['A hero sleeping here is good for business.', 'persuade'],
    ];
    for (const [i, [text, strategyId]] of plan.entries())
      expect((await say(id, i + 1, text, strategyId)).status).toBe(200);
    const { body } = await postJson(`${h.urls.end}/v1/dialogues/${id}/end`, {});
    const { outcome } = body;
    expect(Object.keys(outcome.strategies).sort()).toEqual(['flatter', 'persuade']);
    expect(outcome.strategies.flatter.turns).toBe(2);
    expect(outcome.strategies.persuade.turns).toBe(1);
    const progressSum = outcome.strategies.flatter.progress + outcome.strategies.persuade.progress;
    expect(progressSum).toBeCloseTo(outcome.goalProgress, 2);
    expect(outcome.summary).toContain('flatter (2 turns), persuade (1 turn)');
    if (!outcome.goalAchieved) expect(outcome.summary).not.toMatch(/got what they came for|won them over/);
    expect(outcome.summary).toContain(`opinion ${outcome.opinionChange.from} to ${outcome.opinionChange.to}`);
  });

  test('the options rotate over the valid strategies and keep the one used last', async () => {
    const { body: started } = await start({
      characterId: 'innkeeper-mara',
      goalId: 'free-room',
      strategyId: 'deceive',
    });
    const id = started.dialogue.id as string;
    const seen = new Set<string>();
    for (let i = 1; i <= 3; i++) {
      const res = await say(id, i, `The lord will pay you back, story number ${i}.`, 'deceive');
      const ids = res.body.options.map((o: { strategyId: string }) => o.strategyId);
      expect(ids).toContain('deceive');
      ids.forEach((s: string) => seen.add(s));
      // Never a line the player said lately.
      for (const o of res.body.options) expect(res.body.dialogue.game.playerLines).not.toContain(lineHash(o.text));
    }
    expect([...seen].sort()).toEqual(['deceive', 'flatter', 'persuade']);
  });
});
