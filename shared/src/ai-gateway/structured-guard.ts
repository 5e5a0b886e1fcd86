import { DEFAULT_OTHER_SPEAKERS, fold, stripSecrets } from './reply-filter';

/** What the guard may know of the character whose words it checks. */
export type GuardedCharacter = {
  name: string;
  secrets: readonly string[];
  allowedSecrets?: readonly string[] | undefined;
};

const THINK_BLOCK = /<(think|thinking)>[\s\S]*?(<\/\1>|$)/giu;

/** A structured answer's text without reasoning blocks and without secrets. */
function cleanText(text: string, character: GuardedCharacter): { text: string; stripped: number } {
  const visible = text.replace(THINK_BLOCK, '').trim();
  const result = stripSecrets(visible, character.secrets, character.allowedSecrets);
  return { text: result.text.trim(), stripped: result.stripped };
}

const BRACKET_LABEL = /^\[([^\]\n]{1,40})\]\s*:?\s*/u;
const COLON_LABEL = /^(?:\*{1,2})?(\p{L}[\p{L}' .-]{0,39}?)(?:\*{1,2})?\s*:(?:\*{1,2})?\s+/u;

/**
 * The player's line as an option should read: a leading player label (`Player:`, `You:`, `[Player]`)
 * dropped; undefined when the line is the character's own (starts with the character's label).
 */
export function cleanOptionLine(text: string, characterName: string): string | undefined {
  const trimmed = text.trim();
  const m = trimmed.match(BRACKET_LABEL) ?? trimmed.match(COLON_LABEL);
  if (!m) return trimmed;
  const name = fold(m[1]!.trim());
  const own = [characterName.trim(), characterName.trim().split(/\s+/)[0] ?? ''].map(fold);
  if (own.includes(name)) return undefined;
  if (DEFAULT_OTHER_SPEAKERS.map(fold).includes(name)) return trimmed.slice(m[0].length).trim() || undefined;
  return trimmed;
}

/**
 * The last line of defence for structured answers (options, summaries, appraisal reasons): reasoning
 * blocks and the character's secrets (except the allowed ones) are taken out of every string; an
 * option that held a secret or is the character's own line is dropped. Returns the cleaned value
 * (still to be checked against its schema) and how many secrets were taken out.
 */
export function guardStructured(
  task: string,
  value: unknown,
  character: GuardedCharacter,
): { value: unknown; secretsStripped: number } {
  let secretsStripped = 0;
  if (task === 'dialogue.options' && isRecord(value) && Array.isArray(value.options)) {
    const options = value.options.flatMap((option: unknown) => {
      if (!isRecord(option) || typeof option.text !== 'string') return [option];
      const cleaned = cleanText(option.text, character);
      secretsStripped += cleaned.stripped;
      const line = cleaned.stripped > 0 ? undefined : cleanOptionLine(cleaned.text, character.name);
      return line ? [{ ...option, text: line }] : [];
    });
    return { value: { ...value, options }, secretsStripped };
  }
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const cleaned = cleanText(v, character);
      secretsStripped += cleaned.stripped;
      return cleaned.text;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { value: walk(value), secretsStripped };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
