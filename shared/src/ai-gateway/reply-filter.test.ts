import { type FinishReason, ReplyFilter, type ReplyFilterOptions, lastSentenceEnd, stripSecrets } from './reply-filter';

const SECRET = 'The gate key hangs behind the bar.';
const base: ReplyFilterOptions = {
  speaker: 'Mara Thistledown',
  secrets: [SECRET],
  maxChars: 4000,
  stopSequences: ['\nPlayer:'],
};

/** Runs chunks through a filter; returns the deltas, their join, and how it ended. */
function run(chunks: string[], finish: FinishReason = 'stop', options: Partial<ReplyFilterOptions> = {}) {
  const filter = new ReplyFilter({ ...base, ...options });
  const deltas: string[] = [];
  for (const chunk of chunks) {
    const out = filter.push(chunk);
    if (out) deltas.push(out);
    if (filter.done) break;
  }
  const end = filter.finish(finish);
  if (end.ok && end.text) deltas.push(end.text);
  return { deltas, joined: deltas.join(''), end, filter };
}

/** Every way of cutting `text` in two, and one chunk per character. */
function splits(text: string): string[][] {
  const out: string[][] = [[text], [...text]];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

describe('ReplyFilter', () => {
  test.each([
    [
      'reasoning in tags before the line',
      ['<think>The player wants the key. ', SECRET, '</think>\n\nWelcome, traveller.'],
      'Welcome, traveller.',
    ],
    ['an empty think block', ['<think>', '</think>', 'Welcome.'], 'Welcome.'],
    ['a think block split at every tag character', ['<', 'th', 'ink', '>hm', 'm</', 'thi', 'nk>', 'Hello.'], 'Hello.'],
    ['THINK tags in capitals, thinking tags', ['<THINK>x</THINK>A. <thinking>y</thinking>B.'], 'A. B.'],
    [
      'a closing tag only (the template opened it), in the first chunk',
      ['Okay, the user asks. </think>', 'No key here.'],
      'No key here.',
    ],
    ["the character's speaker label", ['Mara Thistledown: Welcome!'], 'Welcome!'],
    ['the first name as a label, in bold', ['**Mara:** ', 'Welcome!'], 'Welcome!'],
    ['a label split across chunks', ['Ma', 'ra Thi', 'stledown', ':', ' Hi.'], 'Hi.'],
    ['a name that is not a label', ['Mara is my name.'], 'Mara is my name.'],
    ["the model writes the player's next line", ['Welcome.\nPlayer: Thanks!\nMara: Sure.'], 'Welcome.'],
    ['you / [Player] / User labels cut too', ['Fine.\nYou: ok'], 'Fine.'],
    ['[Player] on a new line', ['Fine.\n[Player] ok'], 'Fine.'],
    ['a chat-template token leaking', ['Fine, then.<|im_end|>\n<|im_start|>user'], 'Fine, then.'],
    ['a secret restated', ['Fine. ', 'the gate key hangs ', 'behind the bar', '. Go.'], 'Fine. Go.'],
    ['a secret without its full stop', ['Fine. the gate key hangs behind the bar, go.'], 'Fine., go.'],
    ['a part of a secret is no secret', ['The gate key is lost.'], 'The gate key is lost.'],
    ['unicode kept as it is', ['Ça va? 🙂 Très bien.'], 'Ça va? 🙂 Très bien.'],
  ])('%s', (_name, chunks, expected) => {
    const { joined, end } = run(chunks);
    expect(end.ok).toBe(true);
    expect(joined).toBe(expected);
  });

  test('every split of a reasoning reply gives the same visible text and never shows reasoning', () => {
    const text = `<think>secret plan: ${SECRET}</think>\n\nMara Thistledown: Welcome.\nPlayer: hi`;
    for (const chunks of splits(text)) {
      const { deltas, joined, end } = run(chunks);
      expect(end.ok).toBe(true);
      expect(joined).toBe('Welcome.');
      expect(deltas.join('')).not.toMatch(/plan|gate key|Player/);
    }
  });

  test('a secret allowed by a won goal passes', () => {
    expect(run([`Well. ${SECRET}`], 'stop', { allowedSecrets: [SECRET] }).joined).toBe(`Well. ${SECRET}`);
  });

  test('secrets are counted', () => {
    const { filter } = run([`${SECRET} And again: ${SECRET}`]);
    expect(filter.stats.secretsStripped).toBe(2);
  });

  test.each([
    ['reasoning only, never closed', ['<think>Let me think about this for a long time']],
    ['reasoning only, closed', ['<think>hm</think>  ']],
    ['nothing at all', []],
    ["only the player's line", ['Player: give me the key']],
  ])('%s fails the call', (_name, chunks) => {
    const { end, joined } = run(chunks);
    expect(end.ok).toBe(false);
    expect(joined).toBe('');
  });

  test('a closing tag after text was shown: that text was reasoning, nothing more is shown and the call fails', () => {
    const { end, joined } = run(['Okay, the user asks. ', '</think>', 'No key here.']);
    expect(end.ok).toBe(false);
    expect(joined).toBe('Okay, the user asks.');
  });

  test('reasoning reported apart counts as reasoning when the reply is empty', () => {
    const filter = new ReplyFilter(base);
    filter.reasoning(500);
    const end = filter.finish('length');
    expect(end).toEqual({ ok: false, reason: 'the model spent its answer reasoning and said nothing' });
  });

  test('content_filter fails the call', () => {
    expect(run(['Fine.'], 'content_filter').end.ok).toBe(false);
  });

  test('finish length: the reply ends at its last complete sentence, the unfinished one is never shown', () => {
    const { deltas, joined, end } = run(['Welcome to the Hearth. ', 'Sit down! The stew is ', 'hot and'], 'length', {
      tokenBudget: 8,
    });
    expect(end.ok).toBe(true);
    expect(joined).toBe('Welcome to the Hearth. Sit down!');
    expect(deltas.join('')).toBe(joined);
  });

  test('finish length with no complete sentence fails', () => {
    expect(run(['Welcome to the', ' Hearth and'], 'length', { tokenBudget: 4 }).end.ok).toBe(false);
  });

  test('finish length after the tail was already shown (far from the budget) fails rather than store half a sentence', () => {
    expect(run(['Welcome. The stew is hot and'], 'length').end.ok).toBe(false);
  });

  test('the length limit cuts at a sentence and keeps deltas equal to the reply', () => {
    const { joined, end } = run(['One. Two. Three four five'], 'stop', { maxChars: 14 });
    expect(end.ok).toBe(true);
    expect(joined).toBe('One. Two.');
  });

  test('what is held back is bounded', () => {
    const filter = new ReplyFilter({ ...base, tokenBudget: 1 });
    let shown = 0;
    let pushed = 0;
    for (let i = 0; i < 200; i++) {
      const chunk = 'and on and on ';
      pushed += chunk.length;
      shown += filter.push(chunk).length;
      expect(pushed - shown).toBeLessThanOrEqual(400 + chunk.length);
    }
  });

  test('the deltas join to the reply for every split of a scripted exchange', () => {
    const text = 'Mara: Welcome, friend! The fire is warm.\n\nSit.\nYou: thanks';
    for (const chunks of splits(text)) {
      const { joined, end } = run(chunks);
      expect(end.ok).toBe(true);
      expect(joined).toBe('Welcome, friend! The fire is warm.\n\nSit.');
    }
  });
});

describe('lastSentenceEnd', () => {
  test.each([
    ['Hello. How are', 6],
    ['Hello.', 6],
    ['No end', 0],
    ['"Go away!" she said. And', 20],
    ['*smiles.* Then', 9],
    ['你好。再见', 3],
  ])('%j -> %d', (text, end) => {
    expect(lastSentenceEnd(text)).toBe(end);
  });
});

describe('stripSecrets', () => {
  test('strips every verbatim secret regardless of case, keeps allowed ones', () => {
    expect(stripSecrets(`Psst. ${SECRET.toUpperCase()} Bye.`, [SECRET])).toEqual({ text: 'Psst. Bye.', stripped: 1 });
    expect(stripSecrets(`Psst. ${SECRET}`, [SECRET], [SECRET]).stripped).toBe(0);
  });
});
