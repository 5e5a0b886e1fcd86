import type { ChatMessage } from './prompts';

/** node-llama-cpp's chat history items (its `ChatHistoryItem`, restated so this file stays import-free). */
export type LlamaChatItem =
  { type: 'system'; text: string } | { type: 'user'; text: string } | { type: 'model'; response: string[] };

/**
 * For a model with a chat template: the leading system messages become one system item; a later
 * system message (our own closing instruction) becomes a user item so the model answers it instead
 * of continuing the last reply. The player's words stay user items; nothing else moves.
 */
export function toChatHistory(messages: ChatMessage[]): LlamaChatItem[] {
  const items: LlamaChatItem[] = [];
  let leading = true;
  for (const m of messages) {
    const text = m.content;
    if (m.role === 'system' && leading) {
      const first = items[0];
      if (first?.type === 'system') first.text += `\n\n${text}`;
      else items.push({ type: 'system', text });
      continue;
    }
    leading = false;
    if (m.role === 'assistant') items.push({ type: 'model', response: [text] });
    else items.push({ type: 'user', text });
  }
  // Generation must start a new model turn, not continue an old one.
  if (items.at(-1)?.type !== 'user') items.push({ type: 'user', text: 'Continue.' });
  return items;
}

/**
 * For a model without a chat template: a plain completion prompt, the instructions first, then the
 * exchange as labelled lines, ending with the label the model should complete.
 */
export function toCompletionPrompt(
  messages: ChatMessage[],
  labels: { player: string; character: string },
  cue: string,
): string {
  const lines: string[] = [];
  for (const m of messages) {
    const text = m.content.trim();
    if (m.role === 'system') lines.push(text, '');
    else if (m.role === 'assistant') lines.push(`${labels.character}: ${text}`);
    else lines.push(`${labels.player}: ${text}`);
  }
  lines.push(cue);
  return lines.join('\n');
}
