import bram from '../../../content/characters/captain-bram.json';
import mara from '../../../content/characters/innkeeper-mara.json';
import ilse from '../../../content/characters/scholar-ilse.json';
import { smithOdo } from '../../../test/support/smith-odo';
import { CharacterSchema, publicCharacter, type Character } from './character';

const samples = [bram, mara, ilse];

/** A valid character to break one field at a time; a fresh copy per case. */
const valid = smithOdo;
type Raw = ReturnType<typeof valid>;

describe('CharacterSchema', () => {
  it.each(samples.map((s) => [s.id, s] as const))('accepts the sample %s', (_id, sample) => {
    const parsed = CharacterSchema.parse(sample);
    expect(parsed.id).toBe(sample.id);
    expect(parsed.opinions.player).toBe(sample.opinions.player);
  });

  it('accepts the base case of the table below', () => {
    expect(CharacterSchema.safeParse(valid()).success).toBe(true);
  });

  it('defaults the game fields: they/them, no reveals, patience and requires left to the rules', () => {
    const parsed = CharacterSchema.parse(valid());
    expect(parsed.pronouns).toEqual({ subject: 'they', object: 'them', possessive: 'their' });
    expect(parsed.goals[0]!.reveals).toEqual([]);
    expect(parsed.patience).toBeUndefined();
    expect(parsed.goals[0]!.requires).toBeUndefined();
  });

  it('lets a won goal reveal one of the secrets, by its exact text', () => {
    const c = valid();
    const goals = [
      { ...c.goals[0]!, reveals: [c.secrets[0]!], concession: 'Fine, half price.', requires: { opinion: 10 } },
      c.goals[1]!,
    ];
    expect(CharacterSchema.parse({ ...c, goals }).goals[0]!.reveals).toEqual(c.secrets);
  });

  it('defaults secrets to none', () => {
    const { secrets: _secrets, ...rest } = valid();
    expect(CharacterSchema.parse(rest).secrets).toEqual([]);
  });

  // Each case breaks one thing; `path` is where the schema must point.
  it.each<{ name: string; breakIt: (c: Raw) => unknown; path: Array<string | number> }>([
    {
      name: 'missing opinion of the player',
      breakIt: (c) => ({ ...c, opinions: { 'innkeeper-mara': 10 } }),
      path: ['opinions'],
    },
    { name: 'opinion above 100', breakIt: (c) => ({ ...c, opinions: { player: 101 } }), path: ['opinions', 'player'] },
    {
      name: 'opinion below -100',
      breakIt: (c) => ({ ...c, opinions: { player: 0, 'captain-bram': -100.5 } }),
      path: ['opinions', 'captain-bram'],
    },
    {
      name: 'duplicate goal ids',
      breakIt: (c) => ({ ...c, goals: [c.goals[0], { ...c.goals[1], id: 'buy-sword' }] }),
      path: ['goals'],
    },
    {
      name: 'duplicate strategy ids within a goal',
      breakIt: (c) => {
        c.goals[0]!.strategies.push({ id: 'bribe', description: 'Bribe again' });
        return c;
      },
      path: ['goals', 0, 'strategies'],
    },
    {
      name: 'a reveal that is not a secret',
      breakIt: (c) => ({ ...c, goals: [{ ...c.goals[0], reveals: ['nope'] }] }),
      path: ['goals', 0, 'reveals', 0],
    },
    { name: 'patience 0', breakIt: (c) => ({ ...c, patience: 0 }), path: ['patience'] },
    {
      name: 'requires progress above 1',
      breakIt: (c) => ({ ...c, goals: [{ ...c.goals[0], requires: { progress: 1.5 } }] }),
      path: ['goals', 0, 'requires', 'progress'],
    },
    {
      name: 'pronouns missing a form',
      breakIt: (c) => ({ ...c, pronouns: { subject: 'she', object: 'her' } }),
      path: ['pronouns', 'possessive'],
    },
    { name: 'unknown top-level field', breakIt: (c) => ({ ...c, faction: 'smiths' }), path: [] },
    {
      name: 'unknown field in a goal',
      breakIt: (c) => ({ ...c, goals: [{ ...c.goals[0], reward: 10 }] }),
      path: ['goals', 0],
    },
    { name: 'id with capitals', breakIt: (c) => ({ ...c, id: 'Smith-Odo' }), path: ['id'] },
    { name: 'id with an underscore', breakIt: (c) => ({ ...c, id: 'smith_odo' }), path: ['id'] },
    { name: 'id starting with a dash', breakIt: (c) => ({ ...c, id: '-smith' }), path: ['id'] },
    { name: 'empty id', breakIt: (c) => ({ ...c, id: '' }), path: ['id'] },
    {
      name: 'strategy id with a space',
      breakIt: (c) => {
        c.goals[1]!.strategies[0]!.id = 'be nice';
        return c;
      },
      path: ['goals', 1, 'strategies', 0, 'id'],
    },
    { name: 'no goals', breakIt: (c) => ({ ...c, goals: [] }), path: ['goals'] },
    { name: 'trait above 1', breakIt: (c) => ({ ...c, traits: { honesty: 1.5 } }), path: ['traits', 'honesty'] },
    {
      name: 'mood valence out of range',
      breakIt: (c) => ({ ...c, baselineMood: { ...c.baselineMood, valence: -2 } }),
      path: ['baselineMood', 'valence'],
    },
  ])('rejects $name', ({ breakIt, path }) => {
    const result = CharacterSchema.safeParse(breakIt(valid()));
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path)).toContainEqual(path);
  });
});

describe('publicCharacter', () => {
  const characters: Character[] = [...samples, valid()].map((c) => CharacterSchema.parse(c));

  it.each(characters.map((c) => [c.id, c] as const))(
    '%s: no persona and no secrets reach the client',
    (_id, character) => {
      const shown = publicCharacter(character);
      const json = JSON.stringify(shown);
      expect(shown).not.toHaveProperty('persona');
      expect(shown).not.toHaveProperty('secrets');
      expect(json).not.toContain(character.persona);
      for (const secret of character.secrets) expect(json).not.toContain(secret);
      expect(json).not.toContain('PERSONA-MARKER');
      expect(json).not.toContain('SECRET-MARKER');
    },
  );

  it('keeps what the game needs: goals and their valid strategies', () => {
    const character = CharacterSchema.parse(valid());
    expect(publicCharacter(character)).toEqual({
      id: 'smith-odo',
      name: 'Odo the Smith',
      pronouns: { subject: 'they', object: 'them', possessive: 'their' },
      baselineMood: character.baselineMood,
      traits: character.traits,
      goals: [
        {
          id: 'buy-sword',
          description: 'Buy the good sword cheap',
          successHint: 'Odo sells it at half price',
          strategies: [
            { id: 'persuade', description: 'Haggle honestly' },
            { id: 'bribe', description: 'Slip him coin' },
          ],
          requires: { progress: 0.7, opinion: 0, valence: -0.3 },
        },
        {
          id: 'learn-debt',
          description: 'Learn whom he owes',
          successHint: 'Odo names his creditor',
          strategies: [{ id: 'flatter', description: 'Praise his craft' }],
          requires: { progress: 0.7, opinion: 0, valence: -0.3 },
        },
      ],
    });
  });
});
