import { CONTEXT_SAFETY_MARGIN, estimatePromptTokens, fitHistory } from './context-budget';

const turn = (seq: number, speaker: 'player' | 'character', words: number) => ({
  seq,
  speaker,
  text: 'word '.repeat(words).trim(),
  at: '2026-01-01T00:00:00.000Z',
});
const history = Array.from({ length: 8 }, (_, i) =>
  turn(Math.floor(i / 2) + 1, i % 2 === 0 ? 'player' : 'character', 300),
);

describe('fitHistory', () => {
  test('everything fits in a large window; the oldest turn kept is the first', () => {
    expect(fitHistory({ history, playerText: 'hi' }, 100_000, 400)).toEqual({ history, oldestTurnKept: 1, dropped: 0 });
  });

  test('a small window drops the oldest exchanges first, never half of one', () => {
    const fitted = fitHistory({ history, playerText: 'hi' }, 3000, 400);
    expect(fitted.dropped).toBeGreaterThan(0);
    expect(fitted.history).toEqual(history.slice(fitted.dropped));
    expect(fitted.dropped % 2).toBe(0);
    expect(fitted.oldestTurnKept).toBe(fitted.history[0]!.seq);
    const used = fitted.history.reduce((n, t) => n + estimatePromptTokens(t.text) + 8, 0);
    expect(used).toBeLessThanOrEqual(3000 * (1 - CONTEXT_SAFETY_MARGIN) - 400);
  });

  test('a window too small for any turn keeps none', () => {
    expect(fitHistory({ history, playerText: 'hi' }, 900, 400)).toEqual({ history: [], dropped: 8 });
  });
});
