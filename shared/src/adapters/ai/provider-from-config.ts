import { existsSync } from 'node:fs';
import { ConfigError, type AiProviderName, type CommonConfig } from '../../config';
import type { Logger } from '../../ports/logger';
import type { AiProvider } from '../../ports/ai-provider';
import { llamaThreads } from './llama-threads';
import { LlamaProvider } from './llama-provider';
import { OpenAiProvider } from './openai-provider';
import { ScriptedProvider } from './scripted-provider';

export const DEFAULT_OPENAI_MODEL = 'gpt-4o-mini';

export type AiProviderConfig = Pick<CommonConfig, 'AI_PROVIDER' | 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'AI_MODEL' | 'AI_TIMEOUT_MS'> &
  Partial<Pick<CommonConfig, 'AI_CALL_DEADLINE_MS'>> &
  Partial<LlamaConfig>;
export type LlamaConfig = Pick<
  CommonConfig,
  'LLAMA_MODEL_PATH' | 'LLAMA_THREADS' | 'LLAMA_CONTEXT_SIZE' | 'LLAMA_GPU' | 'LLAMA_PARALLEL' | 'LLAMA_QUEUE_LIMIT' | 'LLAMA_MAX_TOKENS' | 'AI_TIMEOUT_MS'
>;

/** The in-process llama.cpp provider; a missing model file stops start-up naming LLAMA_MODEL_PATH. */
export function createLlamaProvider(config: Partial<LlamaConfig> & Pick<CommonConfig, 'AI_TIMEOUT_MS'>, logger?: Logger): LlamaProvider {
  const modelPath = config.LLAMA_MODEL_PATH;
  if (!modelPath) throw new ConfigError('invalid configuration: LLAMA_MODEL_PATH: AI_PROVIDER=llama needs LLAMA_MODEL_PATH, the path of a GGUF model file');
  if (!existsSync(modelPath)) throw new ConfigError(`invalid configuration: LLAMA_MODEL_PATH: no file at ${modelPath}`);
  return new LlamaProvider({
    modelPath,
    threads: llamaThreads(config.LLAMA_THREADS),
    contextSize: config.LLAMA_CONTEXT_SIZE ?? 4096,
    gpu: config.LLAMA_GPU === 'false' ? false : 'auto',
    parallel: config.LLAMA_PARALLEL ?? 2,
    queueLimit: config.LLAMA_QUEUE_LIMIT ?? 8,
    maxTokens: config.LLAMA_MAX_TOKENS ?? 256,
    timeoutMs: config.AI_TIMEOUT_MS,
    ...(logger ? { logger } : {}),
  });
}

/** The providers to try, in order: `AI_PROVIDER` (a comma list), else `openai` when an OpenAI key or base URL is set, else `scripted`. */
export function aiProviderChain(config: AiProviderConfig): AiProviderName[] {
  return config.AI_PROVIDER ?? [config.OPENAI_API_KEY || config.OPENAI_BASE_URL ? 'openai' : 'scripted'];
}

/** The first provider of the chain (the one readiness asks). */
export function aiProviderKind(config: AiProviderConfig): AiProviderName {
  return aiProviderChain(config)[0]!;
}

/** Every provider of the chain, built (a misconfigured one stops start-up, wherever it sits in the chain). */
export function createAiProviders(config: AiProviderConfig, options: ProviderOptions = {}): AiProvider[] {
  return aiProviderChain(config).map((kind) => createNamedProvider(kind, config, options));
}

/** The first provider of the chain. */
export function createAiProvider(config: AiProviderConfig, options: ProviderOptions = {}): AiProvider {
  return createNamedProvider(aiProviderKind(config), config, options);
}

type ProviderOptions = { fetch?: typeof fetch; chunkDelayMs?: number; logger?: Logger };

function createNamedProvider(kind: AiProviderName, config: AiProviderConfig, options: ProviderOptions): AiProvider {
  if (kind === 'llama') return createLlamaProvider(config, options.logger);
  if (kind === 'scripted') {
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
    ...(config.AI_CALL_DEADLINE_MS === undefined ? {} : { callDeadlineMs: config.AI_CALL_DEADLINE_MS }),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
    ...(config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
