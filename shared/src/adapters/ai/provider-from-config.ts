import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type AiProviderName, type CommonConfig } from '../../config';
import type { Logger } from '../../ports/logger';
import type { AiProvider } from '../../ports/ai-provider';
import { llamaThreads } from './llama-threads';
import { LlamaProvider } from './llama-provider';
import { ensureModelFile, progressReporter } from './model-download';
import { HUGGING_FACE_ENDPOINT, parseModelSource, type ModelSource } from './model-source';
import type * as OpenAiProviderModule from './openai-provider';
import { ScriptedProvider } from './scripted-provider';

export const DEFAULT_OPENAI_MODEL = 'gpt-4o-mini';

export type AiProviderConfig = Pick<
  CommonConfig,
  'AI_PROVIDER' | 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'AI_MODEL' | 'AI_TIMEOUT_MS'
> &
  Partial<Pick<CommonConfig, 'AI_CALL_DEADLINE_MS' | 'AI_CONTEXT_TOKENS'>> &
  Partial<LlamaConfig>;
export type LlamaConfig = Pick<
  CommonConfig,
  | 'LLAMA_MODEL_PATH'
  | 'LLAMA_MODEL'
  | 'LLAMA_MODEL_DIR'
  | 'HF_ENDPOINT'
  | 'LLAMA_THREADS'
  | 'LLAMA_CONTEXT_SIZE'
  | 'LLAMA_GPU'
  | 'LLAMA_PARALLEL'
  | 'LLAMA_QUEUE_LIMIT'
  | 'LLAMA_MAX_TOKENS'
  | 'AI_TIMEOUT_MS'
>;

/**
 * The in-process llama.cpp provider. LLAMA_MODEL (a path, an `hf:` URI or a URL) or LLAMA_MODEL_PATH
 * names the model; a download runs in the background (readiness waits for it), into LLAMA_MODEL_DIR,
 * with its progress on stderr. A missing local file stops start-up naming the variable.
 */
export function createLlamaProvider(
  config: Partial<LlamaConfig> & Pick<CommonConfig, 'AI_TIMEOUT_MS'>,
  logger?: Logger,
): LlamaProvider {
  const variable = config.LLAMA_MODEL ? 'LLAMA_MODEL' : 'LLAMA_MODEL_PATH';
  const value = config.LLAMA_MODEL ?? config.LLAMA_MODEL_PATH;
  if (!value)
    throw new ConfigError(
      'invalid configuration: LLAMA_MODEL: AI_PROVIDER=llama needs LLAMA_MODEL (a GGUF file, or hf:<user>/<repo>/<file>.gguf to download) or LLAMA_MODEL_PATH',
    );
  let source: ModelSource;
  try {
    source = parseModelSource(value, config.HF_ENDPOINT ?? HUGGING_FACE_ENDPOINT);
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${variable}: ${(err as Error).message}`);
  }
  if (source.kind === 'file' && !existsSync(source.path))
    throw new ConfigError(`invalid configuration: ${variable}: no file at ${source.path}`);
  const directory = config.LLAMA_MODEL_DIR ?? 'models';
  const download = source.kind === 'download' ? source : null;
  const modelPath = download ? path.join(directory, download.fileName) : value;
  return new LlamaProvider({
    modelPath,
    ...(download && {
      prepareModel: () => {
        logger?.info(
          { model: download.uri, url: download.url, directory },
          existsSync(modelPath) ? 'local model in the cache' : 'downloading the local model',
        );
        return ensureModelFile(download, {
          directory,
          onProgress: progressReporter(
            `downloading ${download.fileName}`,
            (text) => process.stderr.write(text),
            process.stderr.isTTY === true,
          ),
        });
      },
    }),
    threads: llamaThreads(config.LLAMA_THREADS),
    contextSize: config.LLAMA_CONTEXT_SIZE ?? 4096,
    gpu: config.LLAMA_GPU === 'false' ? false : 'auto',
    parallel: config.LLAMA_PARALLEL ?? 2,
    queueLimit: config.LLAMA_QUEUE_LIMIT ?? 8,
    maxTokens: config.LLAMA_MAX_TOKENS ?? 256,
    timeoutMs: config.AI_TIMEOUT_MS,
    logger,
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

type ProviderOptions = {
  fetch?: typeof fetch | undefined;
  chunkDelayMs?: number | undefined;
  logger?: Logger | undefined;
};

function createNamedProvider(kind: AiProviderName, config: AiProviderConfig, options: ProviderOptions): AiProvider {
  if (kind === 'llama') return createLlamaProvider(config, options.logger);
  if (kind === 'scripted') {
    return new ScriptedProvider({ chunkDelayMs: options.chunkDelayMs });
  }
  if (!config.OPENAI_API_KEY && !config.OPENAI_BASE_URL) {
    throw new ConfigError(
      'invalid configuration: OPENAI_API_KEY: AI_PROVIDER=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local OpenAI-compatible server)',
    );
  }
  // Loaded when configured, not at start-up: the OpenAI SDK is a sizeable module nobody else needs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { OpenAiProvider } = require('./openai-provider') as typeof OpenAiProviderModule;
  return new OpenAiProvider({
    model: config.AI_MODEL ?? DEFAULT_OPENAI_MODEL,
    timeoutMs: config.AI_TIMEOUT_MS,
    callDeadlineMs: config.AI_CALL_DEADLINE_MS,
    contextTokens: config.AI_CONTEXT_TOKENS,
    logger: options.logger,
    apiKey: config.OPENAI_API_KEY,
    baseURL: config.OPENAI_BASE_URL,
    fetch: options.fetch,
  });
}
