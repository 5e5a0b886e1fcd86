/**
 * A stand-in for the node-llama-cpp module, handed to the llama provider through its module loader
 * (`importModule`), so a test decides what the "model" writes: the tiny real model never reasons or
 * restates secrets. Only the surface the provider uses is here; everything else of the provider
 * (sequences, queueing, stop triggers, usage, the gateway's filter) runs for real.
 */
type ChatItem = { type: string; text?: string; response?: string[] };
type GenerateOptions = {
  onTextChunk?: (text: string) => void;
  onToken?: (tokens: number[]) => void;
  onResponseChunk?: (chunk: { type?: string; segmentType?: string; text: string }) => void;
  maxTokens?: number;
  customStopTriggers?: string[];
  grammar?: unknown;
};

/** What the scripted model produces for one call: text pieces (one token each) and thought segments. */
export type LlamaScript = (call: {
  prompt: string;
  structured: boolean;
  stop: string[];
}) => Array<{ text: string } | { thought: string }>;

export function fakeLlamaBindings(script: LlamaScript, calls: Array<{ prompt: string; stop: string[] }> = []) {
  const generate = async (prompt: string, options: GenerateOptions) => {
    const stop = options.customStopTriggers ?? [];
    calls.push({ prompt, stop });
    let produced = '';
    let shown = 0;
    let tokens = 0;
    for (const piece of script({ prompt, structured: options.grammar !== undefined, stop })) {
      if (tokens >= (options.maxTokens ?? Number.POSITIVE_INFINITY)) return { metadata: { stopReason: 'maxTokens' } };
      tokens += 1;
      options.onToken?.([tokens]);
      if ('thought' in piece) {
        options.onResponseChunk?.({ type: 'segment', segmentType: 'thought', text: piece.thought });
        continue;
      }
      produced += piece.text;
      // Like llama.cpp, a custom stop trigger ends generation where it appears, and text that may be
      // the start of one is held until it is known not to be.
      const hit = stop.find((s) => produced.includes(s));
      if (hit) return { metadata: { stopReason: 'customStopTrigger', customStopTrigger: [hit] } };
      let held = 0;
      for (let k = 1; k <= produced.length; k++)
        if (stop.some((s) => s.length > k && s.startsWith(produced.slice(-k)))) held = k;
      const safe = produced.length - held;
      if (safe > shown) options.onTextChunk?.(produced.slice(shown, safe));
      shown = Math.max(shown, safe);
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (produced.length > shown) options.onTextChunk?.(produced.slice(shown));
    return { metadata: { stopReason: 'eogToken' } };
  };
  const sequence = () => ({ tokenMeter: { usedInputTokens: 0 }, clearHistory: async () => undefined });
  const model = {
    trainContextSize: 4096,
    fileInfo: { metadata: { tokenizer: { chat_template: '{{ messages }}' } } },
    createContext: async (o: { contextSize: number }) => ({ contextSize: o.contextSize, getSequence: sequence }),
  };
  return {
    LlamaLogLevel: { error: 'error' },
    getLlama: async () => ({
      gpu: false,
      loadModel: async () => model,
      createGrammarForJsonSchema: async () => ({ grammar: 'json' }),
    }),
    LlamaChat: class {
      generateResponse(history: ChatItem[], options: GenerateOptions) {
        const prompt = history.map((h) => h.text ?? (h.response ?? []).join('')).join('\n');
        return generate(prompt, options);
      }
      dispose() {}
    },
    LlamaCompletion: class {
      generateCompletionWithMeta(prompt: string, options: GenerateOptions) {
        return generate(prompt, options);
      }
      dispose() {}
    },
  };
}
