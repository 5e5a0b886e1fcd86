import { plainSummary } from '../domain/transitions';
import { endRemembered, type CharacterMemory } from './character-memory';
import type { Logger } from '../ports/logger';
import type { CharacterCatalog } from '../ports/character-catalog';
import type { DialogueStore } from '../ports/dialogue-store';

/**
 * Ends dialogues idle past DIALOGUE_TTL_SECONDS with `endedBy: "timeout"`. Every replica may run
 * one: the store's `expire` is a compare-and-set that also re-checks the deadline and the turn lock,
 * so exactly one replica wins and only the winner's `dialogue.resolve` enters the outbox. The summary
 * is the plain one: a background job must not wait on (or pay for) the AI.
 */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | null = null;

  constructor(
    private readonly deps: {
      store: DialogueStore;
      catalog: CharacterCatalog;
      relay: { flush(dialogueId: string): Promise<void> };
      /** What characters keep of players: an expired dialogue is remembered too, by the rules (no AI call). */
      memory?: CharacterMemory;
      logger: Logger;
      source: string;
      now: () => Date;
      batchSize?: number;
    },
  ) {}

  /** One pass; answers how many dialogues this replica ended. Never rejects. */
  sweep(): Promise<number> {
    // Overlapping passes in one process would only race each other.
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.sweep(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async pass(): Promise<number> {
    const { store, logger } = this.deps;
    let ended = 0;
    try {
      const ids = await store.expiredDialogues(this.deps.batchSize ?? 100);
      for (const id of ids) {
        if (await this.expireOne(id)) ended++;
      }
    } catch (err) {
      logger.warn({ err }, 'expiry: sweep failed; next pass retries');
    }
    return ended;
  }

  private async expireOne(dialogueId: string): Promise<boolean> {
    const { store, catalog, logger } = this.deps;
    const state = await store.load(dialogueId);
    if (!state) return false;
    const character = catalog.get(state.characterId);
    const goal = character?.goals.find((g) => g.id === state.goalId);
    if (!character || !goal) {
      // The catalog lost this character or goal; the keys expire after their grace period.
      logger.warn(
        { dialogueId, characterId: state.characterId, goalId: state.goalId },
        'expiry: character or goal gone; cannot resolve',
      );
      return false;
    }
    const asMet = this.deps.memory ? await this.deps.memory.characterAsMet(state.playerId, character) : character;
    const ctx = { source: this.deps.source, now: this.deps.now() };
    const ending = {
      character: asMet,
      summary: plainSummary(asMet, goal, state, 'timeout'),
      endedBy: 'timeout' as const,
    };
    // No AI for a background job: the rules remember. Another replica winning the expiry wrote the same memory.
    const { outcome, events } = await endRemembered({ memory: this.deps.memory }, state, ending, goal, ctx);
    const result = await store.expire({
      dialogueId,
      playerId: state.playerId,
      expectedVersion: state.version,
      outcome,
      events,
    });
    if (!result.ok) return false;
    logger.info({ dialogueId }, 'expiry: dialogue ended by timeout');
    await this.deps.relay.flush(dialogueId);
    return true;
  }
}

/** Sweep often enough that expiry lands within a quarter of the TTL, at most every 5 s, at least every 200 ms. */
export function sweepIntervalMs(ttlSeconds: number): number {
  return Math.min(5_000, Math.max(200, Math.floor((ttlSeconds * 1000) / 4)));
}
