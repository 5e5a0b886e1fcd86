import type { Turn } from '../domain/dialogue';

/**
 * Fitting a prompt into a model's context window. Parley cannot run every server's tokenizer, so it
 * counts conservatively: one token per 3 bytes of UTF-8 (English runs near 4, CJK near 3 per token),
 * 8 tokens per chat message for the template, 600 tokens for our own instructions, and keeps a
 * safety margin of 10 % of the window for tokenizers that split finer than that.
 */
export const CONTEXT_SAFETY_MARGIN = 0.1;
const INSTRUCTION_TOKENS = 600;
const MESSAGE_TOKENS = 8;
const utf8 = new TextEncoder();

/** Conservative token count of `text` (see above). */
export function estimatePromptTokens(text: string): number {
  return Math.ceil(utf8.encode(text).length / 3);
}

export type FittedHistory = {
  history: Turn[];
  /** `seq` of the oldest turn kept, when any turn is kept. */
  oldestTurnKept?: number;
  /** Turns left out to fit. */
  dropped: number;
};

/**
 * Drops the oldest turns of `history` until the prompt (everything else in `input`, our
 * instructions, the turns) plus `maxTokens` of answer fit in `contextTokens` less the margin. A turn
 * and its reply (same `seq`) leave together. The newest turns always stay, down to none.
 */
export function fitHistory(
  input: { history: Turn[] } & Record<string, unknown>,
  contextTokens: number,
  maxTokens: number,
): FittedHistory {
  const { history, ...rest } = input;
  const fixed = INSTRUCTION_TOKENS + estimatePromptTokens(JSON.stringify(rest)) + 3 * MESSAGE_TOKENS;
  const budget = Math.floor(contextTokens * (1 - CONTEXT_SAFETY_MARGIN)) - maxTokens - fixed;
  const kept: Turn[] = [];
  let used = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const turn = history[i]!;
    const cost = estimatePromptTokens(turn.text) + MESSAGE_TOKENS;
    if (used + cost > budget) break;
    used += cost;
    kept.unshift(turn);
  }
  // Never keep half of an exchange: the player's line without the reply it got, or the reverse.
  while (
    kept.length > 0 &&
    kept.length < history.length &&
    kept[0]!.seq === history[history.length - kept.length - 1]!.seq
  )
    kept.shift();
  return { history: kept, ...(kept[0] ? { oldestTurnKept: kept[0].seq } : {}), dropped: history.length - kept.length };
}
