import { offensesOf, readPlayerLine } from './player-line';

const mara = {
  name: 'Mara Thistledown',
  others: ['player', 'captain-bram', 'scholar-ilse'],
  goal: 'Learn what Mara knows about the lights in the old watchtower',
};

describe('readPlayerLine', () => {
  it.each<[string, string, string, Partial<ReturnType<typeof readPlayerLine>>]>([
    [
      'an insult aimed at the listener',
      'Your maps are rubbish and you are a fool.',
      'flatter',
      { insult: true, fitsStrategy: false },
    ],
    [
      'a hostile word not aimed at the listener',
      'I give you my word, I mean the city no harm.',
      'persuade',
      { insult: false, fitsStrategy: true },
    ],
    [
      'a kind line with a hostile word in it',
      'You are safe, nobody will blame you for being careful.',
      'empathize',
      { insult: false, fitsStrategy: true },
    ],
    ['praise', 'Your stew is wonderful, Mara.', 'flatter', { insult: false, fitsStrategy: true, mentionsName: true }],
    [
      'hostile words not aimed at anyone, mild',
      'It is a sad night.',
      'persuade',
      { insult: false, fitsStrategy: true },
    ],
    [
      'a question about the goal',
      'What did you see at the watchtower?',
      'empathize',
      { question: true, mentionsGoal: true, insult: false },
    ],
    ['a mention of another character', 'Bram sends his regards.', 'persuade', { mentions: ['captain-bram'] }],
    ['a threat sent as intimidate', 'Help me, or else.', 'intimidate', { threat: true, fitsStrategy: true }],
    [
      'friendly words sent as intimidate do not fit',
      'You are wonderful, kind and lovely.',
      'intimidate',
      { threat: false, fitsStrategy: false },
    ],
    ['a story sent as deceive is a lie', 'The lord will pay you back.', 'deceive', { lie: true }],
  ])('%s', (_name, text, strategy, expected) => {
    expect(readPlayerLine(text, mara, strategy)).toMatchObject(expected);
  });

  it('lists the offenses for the rules', () => {
    expect(offensesOf(readPlayerLine('You stupid fool, help me or else.', mara, 'intimidate'))).toEqual([
      'insult',
      'threat',
    ]);
    expect(offensesOf(readPlayerLine('Your stew is good.', mara, 'flatter'))).toEqual([]);
  });
});
