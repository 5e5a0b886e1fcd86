import { StoreUnavailable } from '../../domain/errors';

/**
 * Run Redis commands for a store; any failure (connection refused or lost, timeout, server error)
 * becomes a retryable 503 `StoreUnavailable` that names the store, never a raw ioredis error.
 */
export async function asStoreCall<T>(store: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new StoreUnavailable(`${store} unavailable: ${(err as Error).message}`, { cause: err });
  }
}
