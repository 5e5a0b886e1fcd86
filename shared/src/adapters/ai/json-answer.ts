/**
 * Finds the JSON document in a model's structured answer as servers really send it: bare, inside a
 * ```json fence, after a `<think>` block (or after a lone `</think>` when the chat template opened
 * it), or wrapped in a sentence. Returns undefined when there is none.
 */
export function extractJson(text: string | null | undefined): { value: unknown } | undefined {
  if (!text) return undefined;
  const afterReasoning = text.replace(/<(think|thinking)>[\s\S]*?<\/\1>/giu, '');
  const closed = afterReasoning.search(/<\/think(ing)?>/iu);
  const visible = (closed >= 0 ? afterReasoning.slice(afterReasoning.indexOf('>', closed) + 1) : afterReasoning).trim();
  const candidates = [
    visible,
    ...[...visible.matchAll(/```(?:json|JSON)?\s*\n?([\s\S]*?)```/gu)].map((m) => m[1]!.trim()),
    visible.slice(visible.indexOf('{'), visible.lastIndexOf('}') + 1),
  ];
  for (const candidate of candidates) {
    if (!candidate.startsWith('{') && !candidate.startsWith('[')) continue;
    try {
      return { value: JSON.parse(candidate) as unknown };
    } catch {
      // the next shape
    }
  }
  return undefined;
}
