/**
 * The one stage every provider's text passes before it becomes a `delta`. Models served by real
 * OpenAI-compatible servers stream more than the character's line: reasoning in `<think>` tags,
 * a speaker label, the player's next line of a script they write themselves, chat-template tokens,
 * and now and then a secret restated from their instructions. This stage lets through only text
 * that will stay, so the reply always equals its deltas joined; it holds back only what it must
 * (a possible tag, label, stop marker or secret that has only begun, and near the token budget the
 * unfinished sentence), a bounded number of characters.
 *
 * Pure: no I/O, no clock. Matching ignores case (code point by code point, lengths kept).
 */

import type { FinishReason } from '../ports/ai-provider';

export type { FinishReason };

export type ReplyFilterOptions = {
  /** The character's name: a leading `Name:` (or first name, `**Name:**`, `[Name]`) label is dropped. */
  speaker?: string;
  /** Other speakers: the reply is cut where a line starts with one of their labels. */
  otherSpeakers?: readonly string[];
  /** Cut where one of these appears (stop sequences, chat-template tokens that leak as text). */
  stopSequences?: readonly string[];
  /** Never let one through verbatim: each occurrence is stripped and counted. */
  secrets?: readonly string[];
  /** Secrets that may be said (a goal that was won reveals them). */
  allowedSecrets?: readonly string[] | undefined;
  /** The output's length limit, in UTF-16 code units (the task schema's `max`). */
  maxChars: number;
  /**
   * The reply's `max_tokens`. Once the tokens seen (reasoning included; counted by the provider or
   * estimated as the larger of the chunks received and a quarter of their characters) reach half of
   * it, or less than 60 are left, the unfinished sentence at the end is held until the stream says
   * why it ended: a `length` cut drops it.
   */
  tokenBudget?: number | undefined;
};

/**
 * How a filtered reply ended: the text still to emit, or why the call must fail (`silent`: the model
 * said nothing at all, no reasoning either).
 */
export type FilterEnd = { ok: true; text: string } | { ok: false; reason: string; silent?: boolean };

export type FilterStats = {
  /** Characters of reasoning dropped (tags in the text, or reported by the provider as reasoning). */
  reasoningChars: number;
  secretsStripped: number;
  /** Why the reply was cut short, if it was. */
  cut?: 'speaker' | 'stop' | 'max-chars';
};

/** Speakers a model invents when it writes a script instead of one line. */
export const DEFAULT_OTHER_SPEAKERS: readonly string[] = [
  'Player',
  'You',
  'User',
  'Human',
  'Me',
  'Assistant',
  'System',
  'Narrator',
];
/** Chat-template and end-of-text tokens some servers leak into `content`. */
export const TEMPLATE_TOKENS: readonly string[] = [
  '<|im_end|>',
  '<|im_start|>',
  '<|eot_id|>',
  '<|end|>',
  '<|endoftext|>',
  '</s>',
  '[INST]',
  '<|start_header_id|>',
];
/** The stop sequences sent to every provider (the OpenAI API takes at most four). */
export const PLAYER_TURN_STOPS: readonly string[] = ['\nPlayer:', '\nYou:', '\n[Player]', '\nUser:'];

const OPEN_TAGS = ['<think>', '<thinking>'];
const CLOSE_TAGS = ['</think>', '</thinking>'];
const CLOSE_TAG_BEGINNINGS = beginningsOf(CLOSE_TAGS);
const TAG_BEGINNINGS = beginningsOf([...OPEN_TAGS, ...CLOSE_TAGS]);
/** Tokens of a long spoken sentence: with fewer than this left of the budget, sentences are held whole. */
const SENTENCE_TOKENS = 60;
/** The most a held unfinished sentence may grow before it is let through anyway. */
const MAX_TAIL_HOLD = 400;

/** Lower case, code point by code point, keeping every string's length (so offsets map back). */
export function fold(text: string): string {
  let out = '';
  for (const ch of text) {
    const low = ch.toLowerCase();
    out += low.length === ch.length ? low : ch;
  }
  return out;
}

/** The proper beginnings of some patterns (folded), made once: `partialSuffix` looks its candidates up. */
type Beginnings = { set: ReadonlySet<string>; longest: number };

function beginningsOf(patterns: readonly string[]): Beginnings {
  const set = new Set<string>();
  for (const p of patterns) for (let k = 1; k < p.length; k++) set.add(p.slice(0, k));
  return { set, longest: Math.max(0, ...patterns.map((p) => p.length - 1)) };
}

/**
 * Length of the longest end of `text` that is a proper beginning of one of the patterns (folded).
 * Runs for every chunk of a reply: one set lookup per candidate length, not a scan of every pattern.
 */
function partialSuffix(text: string, beginnings: Beginnings): number {
  for (let k = Math.min(beginnings.longest, text.length); k > 0; k--) {
    if (beginnings.set.has(text.slice(-k))) return k;
  }
  return 0;
}

/** The earliest occurrence of any pattern (folded text and patterns). */
function earliest(text: string, patterns: readonly string[]): { index: number; pattern: string } | undefined {
  let best: { index: number; pattern: string } | undefined;
  for (const pattern of patterns) {
    const index = text.indexOf(pattern);
    if (index >= 0 && (!best || index < best.index || (index === best.index && pattern.length > best.pattern.length)))
      best = { index, pattern };
  }
  return best;
}

function labelsOf(name: string): string[] {
  const names = [name.trim(), name.trim().split(/\s+/)[0] ?? ''].filter((n) => n.length > 0);
  return [...new Set(names)].flatMap((n) => [
    `${n}:`,
    `${n} :`,
    `**${n}:**`,
    `**${n}**:`,
    `*${n}*:`,
    `[${n}]`,
    `[${n}]:`,
  ]);
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const CLOSERS = '"\'”’)]*_~»';
const ENDS_SENTENCE = /[.!?…。！？‼⁇⁈⁉][\s"'”’)\]*_~»]*$/u;

/**
 * Where the last complete sentence of `text` ends (an index into `text`), 0 when none is complete.
 * Sentences are found with `Intl.Segmenter` (Unicode UAX #29); one counts as complete when it ends
 * with terminal punctuation, closing quotes or `*` of an action allowed after it.
 */
export function lastSentenceEnd(text: string): number {
  let end = 0;
  for (const { segment, index } of segmenter.segment(text)) {
    const trimmed = segment.trimEnd();
    if (ENDS_SENTENCE.test(trimmed)) end = index + trimmed.length;
  }
  // The segmenter may leave a closing quote or `*` to the next segment.
  while (end > 0 && end < text.length && CLOSERS.includes(text[end]!)) end++;
  return end;
}

/**
 * Feed it the provider's chunks in order (`push` for text, `reasoning` for reasoning the provider
 * reported apart), emit what `push` returns as deltas, and end with `finish`. Once `done` is true,
 * the rest of the stream is not needed.
 */
export class ReplyFilter {
  readonly stats: FilterStats = { reasoningChars: 0, secretsStripped: 0 };
  private readonly maxChars: number;
  private readonly tokenBudget: number;
  /** Chunks and characters received, reasoning included: the token estimate. */
  private chunksSeen = 0;
  private charsSeen = 0;
  private readonly labels: string[];
  /** Folded patterns that end the reply where they begin. */
  private readonly cuts: string[];
  /** The subset of `cuts` that are speakers (for the stats). */
  private readonly speakerCuts: Set<string>;
  private readonly secrets: string[];
  /** Beginnings of the cuts and secrets: text that may still become one is held. */
  private readonly heldBeginnings: Beginnings;
  // Stage 1: raw text, reasoning tags taken out.
  private raw = '';
  private inThink = false;
  // Stage 2: visible text not emitted yet, then what was emitted.
  private pending = '';
  private emittedText = '';
  private labelResolved = false;
  private leakedReasoning = false;
  private cutDone = false;

  constructor(options: ReplyFilterOptions) {
    this.maxChars = options.maxChars;
    this.tokenBudget = options.tokenBudget ?? Number.POSITIVE_INFINITY;
    this.labels = options.speaker ? labelsOf(options.speaker).map(fold) : [];
    const speakers = (options.otherSpeakers ?? DEFAULT_OTHER_SPEAKERS).flatMap((s) =>
      labelsOf(s).map((l) => fold(`\n${l}`)),
    );
    this.speakerCuts = new Set(speakers);
    this.cuts = [
      ...new Set([...speakers, ...(options.stopSequences ?? []).map(fold), ...TEMPLATE_TOKENS.map(fold)]),
    ].filter((c) => c.length > 0);
    const allowed = new Set((options.allowedSecrets ?? []).map((s) => fold(secretCore(s))));
    // Each secret as written and without its closing punctuation (the longer one wins where both match).
    const secrets = (options.secrets ?? []).filter(
      (s) => !allowed.has(fold(secretCore(s))) && secretCore(s).length >= 4,
    );
    this.secrets = [...new Set(secrets.flatMap((s) => [fold(s.trim()), fold(secretCore(s))]))];
    this.heldBeginnings = beginningsOf([...this.cuts, ...this.secrets]);
  }

  /** True once the reply was cut: later text would be dropped anyway. */
  get done(): boolean {
    return this.cutDone;
  }

  /** Everything emitted so far (= the deltas joined). */
  get emitted(): string {
    return this.emittedText;
  }

  /** Reasoning the provider reported apart from the text (`reasoning_content`): counted, never shown. */
  reasoning(chars: number): void {
    this.stats.reasoningChars += chars;
    this.chunksSeen += 1;
    this.charsSeen += chars;
  }

  /** A chunk of the model's text (and the tokens it took, when known); returns the part that may be shown now (often all of it, maybe ''). */
  push(text: string, tokens = 1): string {
    if (this.cutDone || text.length === 0) return '';
    this.chunksSeen += tokens;
    this.charsSeen += text.length;
    this.raw += text;
    this.pending += this.takeVisible(false);
    return this.release(false);
  }

  /** The stream ended, for `reason`: the last text to emit, or why the reply cannot stand. */
  finish(reason: FinishReason): FilterEnd {
    if (reason === 'content_filter')
      return { ok: false, reason: 'the model server withheld the reply (content_filter)' };
    if (!this.cutDone) {
      this.pending += this.takeVisible(true);
      this.release(true);
    }
    const rest = this.pending.trimEnd();
    this.pending = '';
    if (reason === 'length' || this.stats.cut === 'max-chars') return this.endAtSentence(this.emittedText + rest);
    return this.ended(rest);
  }

  private ended(last: string): FilterEnd {
    if (this.leakedReasoning) return { ok: false, reason: 'reasoning text was streamed before its closing tag' };
    const text = this.emittedText + last;
    if (text.trim().length === 0) {
      if (this.stats.reasoningChars > 0 || this.inThink)
        return { ok: false, reason: 'the model spent its answer reasoning and said nothing' };
      return { ok: false, reason: 'the model said nothing', silent: true };
    }
    this.emittedText = text;
    return { ok: true, text: last };
  }

  /** A reply the budget cut: it ends with its last complete sentence, which must not be already shown in part. */
  private endAtSentence(text: string): FilterEnd {
    const end = lastSentenceEnd(text);
    if (end === 0 || end < this.emittedText.length) {
      if (text.trim().length === 0) return this.ended('');
      return { ok: false, reason: 'the token budget cut the reply before a complete sentence' };
    }
    return this.ended(text.slice(this.emittedText.length, end));
  }

  /** Stage 1: takes reasoning tags out of `raw`; returns what is outside them (all of it once `final`). */
  private takeVisible(final: boolean): string {
    let visible = '';
    for (;;) {
      const folded = fold(this.raw);
      if (this.inThink) {
        const close = earliest(folded, CLOSE_TAGS);
        if (!close) {
          const keep = final ? 0 : partialSuffix(folded, CLOSE_TAG_BEGINNINGS);
          this.stats.reasoningChars += this.raw.length - keep;
          this.raw = this.raw.slice(this.raw.length - keep);
          return visible;
        }
        this.stats.reasoningChars += close.index;
        this.raw = this.raw.slice(close.index + close.pattern.length);
        this.inThink = false;
        continue;
      }
      const open = earliest(folded, OPEN_TAGS);
      const orphan = earliest(folded, CLOSE_TAGS);
      if (orphan && (!open || orphan.index < open.index)) {
        // A closing tag with no opening one: the chat template opened it, all before it was reasoning.
        if (this.emittedText.length > 0) {
          // Too late to unsay: nothing more is shown and the call fails.
          this.leakedReasoning = true;
          this.cutDone = true;
          this.pending = '';
          this.raw = '';
          return '';
        }
        this.stats.reasoningChars += this.pending.length + visible.length + orphan.index;
        this.pending = '';
        visible = '';
        this.raw = this.raw.slice(orphan.index + orphan.pattern.length);
        continue;
      }
      if (open) {
        visible += this.raw.slice(0, open.index);
        this.raw = this.raw.slice(open.index + open.pattern.length);
        this.inThink = true;
        continue;
      }
      const keep = final ? 0 : partialSuffix(folded, TAG_BEGINNINGS);
      visible += this.raw.slice(0, this.raw.length - keep);
      this.raw = this.raw.slice(this.raw.length - keep);
      return visible;
    }
  }

  /** Stage 2: label, cuts, secrets and the held tail; returns the text to emit now and keeps the rest. */
  private release(final: boolean): string {
    if (!this.labelResolved && !this.resolveLabel(final)) return '';
    // A reply starts with its first visible character.
    if (this.emittedText.length === 0) this.pending = this.pending.replace(/^\s+/u, '');
    // Cut markers are line starts: the reply's own start counts as one.
    const lineStart = this.emittedText.length === 0 ? '\n' : '';
    for (;;) {
      const folded = fold(lineStart + this.pending);
      const secret = earliest(folded, this.secrets);
      const cut = earliest(folded, this.cuts);
      // A secret that ends where the text ends so far may still go on into its closing punctuation: wait.
      const mayGrow =
        secret &&
        !final &&
        secret.index + secret.pattern.length === folded.length &&
        this.secrets.some((p) => p.length > secret.pattern.length && p.startsWith(secret.pattern));
      if (mayGrow && (!cut || secret.index < cut.index)) return '';
      if (secret && (!cut || secret.index < cut.index)) {
        const at = secret.index - lineStart.length;
        // The blanks before it go too: the words after it bring their own.
        this.pending = this.pending.slice(0, at).trimEnd() + this.pending.slice(at + secret.pattern.length);
        this.stats.secretsStripped += 1;
        continue;
      }
      if (cut) {
        this.pending = this.pending.slice(0, Math.max(0, cut.index - lineStart.length));
        this.stats.cut = this.speakerCuts.has(cut.pattern) ? 'speaker' : 'stop';
        this.cutDone = true;
      }
      break;
    }
    const whole = final || this.cutDone;
    let ready = whole
      ? this.pending
      : this.pending.slice(0, this.pending.length - partialSuffix(fold(this.pending), this.heldBeginnings));
    // Blanks wait for the next word: a reply never ends with them.
    if (!final) ready = ready.trimEnd();
    if (this.emittedText.length + ready.length > this.maxChars) {
      // Over the length limit: what fits waits for `finish`, which ends it at a sentence.
      this.pending = ready.slice(0, this.maxChars - this.emittedText.length);
      this.stats.cut = 'max-chars';
      this.cutDone = true;
      return '';
    }
    // At the end, `finish` decides where the reply stops.
    if (final) return '';
    // (With nothing ready there is nothing to hold: the sentence search below would keep it all.)
    if (ready.length > 0 && !this.cutDone && this.nearBudget(ready.length)) {
      // Near the budget: the unfinished sentence waits for the finish reason (a bounded wait).
      const all = this.emittedText + ready;
      const end = Math.max(lastSentenceEnd(all), all.length - MAX_TAIL_HOLD, this.emittedText.length);
      ready = all.slice(this.emittedText.length, end);
    }
    this.pending = this.pending.slice(ready.length);
    this.emittedText += ready;
    return ready;
  }

  /**
   * True when a `length` cut may come within the next sentence or so (half the token budget seen, or
   * less than a long sentence of it left) or the length limit is near. A sentence already partly
   * shown cannot be held back: a cut inside it fails the call.
   */
  private nearBudget(readyChars: number): boolean {
    const tokens = Math.max(this.chunksSeen, Math.ceil(this.charsSeen / 4));
    const holdFrom = Math.min(this.tokenBudget / 2, this.tokenBudget - SENTENCE_TOKENS);
    return tokens >= holdFrom || this.emittedText.length + readyChars > this.maxChars - MAX_TAIL_HOLD;
  }

  /** Drops leading blanks and the character's own speaker label; false while it cannot tell yet. */
  private resolveLabel(final: boolean): boolean {
    this.pending = this.pending.replace(/^\s+/u, '');
    const folded = fold(this.pending);
    const label = this.labels.find((l) => folded.startsWith(l));
    if (label) {
      this.pending = this.pending.slice(label.length).replace(/^\s+/u, '');
      this.labelResolved = true;
      return true;
    }
    if (!final && (folded.length === 0 || this.labels.some((l) => l.length > folded.length && l.startsWith(folded))))
      return false;
    this.labelResolved = true;
    return true;
  }
}

/** A secret as it may be quoted: without its closing punctuation. */
function secretCore(secret: string): string {
  return secret
    .trim()
    .replace(/[.!?。！？…]+$/u, '')
    .trim();
}

/**
 * Strips every secret (not allowed) that `text` contains verbatim, ignoring case. Returns the text
 * and how many were stripped. For structured answers (options, summaries, appraisal reasons).
 */
export function stripSecrets(
  text: string,
  secrets: readonly string[],
  allowedSecrets: readonly string[] = [],
): { text: string; stripped: number } {
  const allowed = new Set(allowedSecrets.map((s) => fold(secretCore(s))));
  const kept = secrets.filter((s) => secretCore(s).length >= 4 && !allowed.has(fold(secretCore(s))));
  const cores = kept.flatMap((s) => [fold(s.trim()), fold(secretCore(s))]);
  let out = text;
  let stripped = 0;
  for (;;) {
    const hit = earliest(fold(out), cores);
    if (!hit) return { text: out, stripped };
    out = (out.slice(0, hit.index) + out.slice(hit.index + hit.pattern.length)).replace(/ {2,}/g, ' ');
    stripped += 1;
  }
}
