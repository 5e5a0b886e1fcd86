/**
 * Rate limits hold across two replicas sharing Redis: two dialogue-start apps,
 * each with its own Redis connection and limiter objects (as two pods would), share one budget.
 */
import { randomBytes } from 'node:crypto';
import { createLogger, createDialogueRuntime } from '@parley/shared/composition';
import { DialogueConfigSchema } from '@parley/shared';
import { createApp } from '../../functions/dialogue-start/app';
import { listen } from '../support/http';
import { CHARACTERS_DIR } from '../support/dialogue-harness';
import { REDIS_URL, deleteKeysUnder } from '../support/redis-test-kit';
import { TEST_JWT_SECRET, signToken } from '../support/tokens';

const keyPrefix = `parley-ratelimit-${randomBytes(4).toString('hex')}:`;
const logger = createLogger('rate-limit-test', 'silent');
const PER_PLAYER = 20;

afterAll(() => deleteKeysUnder([keyPrefix]));

test('two replicas share one per-player budget through Redis; refusals are 429 RateLimited with Retry-After', async () => {
  const config = DialogueConfigSchema.parse({
    REDIS_URL,
    REDIS_KEY_PREFIX: keyPrefix,
    CHARACTERS_DIR,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RATE_LIMIT_PLAYER_PER_MINUTE: String(PER_PLAYER),
    RATE_LIMIT_ADDRESS_PER_MINUTE: '1000',
    LOG_LEVEL: 'silent',
  });
  const replicas = await Promise.all(
    ['a', 'b'].map(async (name) => {
      const runtime = await createDialogueRuntime(config, { functionName: `dialogue-start-${name}`, logger });
      const server = await listen(
        createApp(runtime.deps, { logger, readiness: runtime.readiness, access: runtime.access }),
      );
      return { runtime, server };
    }),
  );
  try {
    const alice = { authorization: `Bearer ${await signToken('alice')}` };
    const bob = { authorization: `Bearer ${await signToken('bob')}` };
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    let code: string | undefined;
    // 3x the budget, alternating replicas, in parallel bursts.
    for (let burst = 0; burst < 6; burst++) {
      const answers = await Promise.all(
        Array.from({ length: PER_PLAYER / 2 }, (_, i) =>
          fetch(`${replicas[i % 2]!.server.url}/v1/characters`, { headers: alice }),
        ),
      );
      for (const res of answers) {
        statuses.push(res.status);
        if (res.status === 429) {
          retryAfter = res.headers.get('retry-after');
          code = ((await res.json()) as { error: { code: string } }).error.code;
        } else await res.arrayBuffer();
      }
    }
    const allowed = statuses.filter((s) => s === 200).length;
    const refused = statuses.filter((s) => s === 429).length;
    console.log(
      `rate limit: ${statuses.length} requests from one player over 2 replicas, budget ${PER_PLAYER}/min: ${allowed} allowed, ${refused} refused (429, Retry-After ${retryAfter} s)`,
    );
    expect(allowed).toBe(PER_PLAYER);
    expect(refused).toBe(statuses.length - PER_PLAYER);
    expect(code).toBe('RateLimited');
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    // Another player's budget is their own.
    expect((await fetch(`${replicas[1]!.server.url}/v1/characters`, { headers: bob })).status).toBe(200);
  } finally {
    for (const r of replicas) {
      await r.server.close();
      await r.runtime.close();
    }
  }
});
