import { ConfigError, type CommonConfig } from '../../config';
import type { AiProvider } from '../../ports/ai-provider';
import { OpenAiProvider } from './openai-provider';
import { ScriptedProvider } from './scripted-provider';

export const DEFAULT_OPENAI_MODEL = 'gpt-4o-mini';

export type AiProviderConfig = Pick<CommonConfig, 'AI_PROVIDER' | 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'AI_MODEL' | 'AI_TIMEOUT_MS'>;

/** `AI_PROVIDER`, else `openai` when an OpenAI key or base URL is set, else the offline `scripted` provider. */
export function aiProviderKind(config: AiProviderConfig): 'openai' | 'scripted' {
  return config.AI_PROVIDER ?? (config.OPENAI_API_KEY || config.OPENAI_BASE_URL ? 'openai' : 'scripted');
}

export function createAiProvider(config: AiProviderConfig, options: { fetch?: typeof fetch; chunkDelayMs?: number } = {}): AiProvider {
  if (aiProviderKind(config) === 'scripted') {
    return new ScriptedProvider(options.chunkDelayMs === undefined ? {} : { chunkDelayMs: options.chunkDelayMs });
  }
  if (!config.OPENAI_API_KEY && !config.OPENAI_BASE_URL) {
    throw new ConfigError(
      'invalid configuration: OPENAI_API_KEY: AI_PROVIDER=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local OpenAI-compatible server)',
    );
  }
  return new OpenAiProvider({
    model: config.AI_MODEL ?? DEFAULT_OPENAI_MODEL,
    timeoutMs: config.AI_TIMEOUT_MS,
    ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
    ...(config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
