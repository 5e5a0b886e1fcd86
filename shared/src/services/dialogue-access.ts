import type { Character, Goal } from '../domain/character';
import type { DialogueState, Outcome } from '../domain/dialogue';
import { CharacterNotFound, DialogueEnded, DialogueNotFound, Forbidden } from '../domain/errors';
import type { AiClient } from '../ports/ai-client';
import type { CharacterCatalog } from '../ports/character-catalog';
import type { DialogueStore } from '../ports/dialogue-store';
import type { MetricsRecorder } from '../ports/metrics';
import type { CharacterMemory } from './character-memory';

/** What the three dialogue use cases need; each function's main.ts builds it. */
export type DialogueDeps = {
  store: DialogueStore;
  ai: AiClient;
  catalog: CharacterCatalog;
  /** Publishes a dialogue's pending outbox events; never rejects. */
  relay: { flush(dialogueId: string): Promise<void> };
  source: string;
  now: () => Date;
  newId: () => string;
  /** How long a turn may hold its dialogue before another may take it (a crashed pod's lock expires). */
  turnLockMs: number;
  /** Live dialogues one player may hold (MAX_ACTIVE_DIALOGUES); 0 or absent: no cap. */
  maxActiveDialogues?: number | undefined;
  /** Turns applied, dialogues started and ended; absent in tests that do not look. */
  metrics?: MetricsRecorder;
  /** What characters keep of each player; absent: every dialogue starts from the catalog and nothing is remembered. */
  memory?: CharacterMemory;
};

export function characterOf(catalog: CharacterCatalog, characterId: string): Character {
  const character = catalog.get(characterId);
  if (!character) throw new CharacterNotFound(`no character "${characterId}"`);
  return character;
}

export function goalOf(character: Character, goalId: string): Goal {
  const goal = character.goals.find((g) => g.id === goalId);
  // The catalog changed under a live dialogue (a redeploy removed the goal): nothing to continue.
  if (!goal) throw new DialogueEnded(`goal "${goalId}" no longer exists for ${character.name}`);
  return goal;
}

export { goalBrief } from '../domain/dialogue-turn';

/**
 * A dialogue the caller owns: its live state, or its outcome once ended. Unknown answers 404,
 * another player's 403.
 */
export async function findOwned(
  store: DialogueStore,
  dialogueId: string,
  playerId: string,
): Promise<{ state: DialogueState } | { outcome: Outcome }> {
  const state = await store.load(dialogueId);
  if (state) {
    if (state.playerId !== playerId) throw new Forbidden('this dialogue belongs to another player');
    return { state };
  }
  const ended = await store.outcome(dialogueId);
  if (!ended) throw new DialogueNotFound(`no dialogue ${dialogueId}`);
  if (ended.playerId !== playerId) throw new Forbidden('this dialogue belongs to another player');
  return { outcome: ended.outcome };
}

/** The live state of a dialogue the caller owns; an ended one answers 409. */
export async function loadOwnedState(
  store: DialogueStore,
  dialogueId: string,
  playerId: string,
): Promise<DialogueState> {
  const found = await findOwned(store, dialogueId, playerId);
  if ('state' in found) return found.state;
  throw new DialogueEnded(`dialogue ${dialogueId} has ended`);
}

/** A seed per dialogue and turn, so the scripted provider answers the same way on a retry. */
export function seedFor(dialogueId: string, seq: number): number {
  let hash = 2166136261;
  for (const char of `${dialogueId}:${seq}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 16777619);
  }
  return hash >>> 1;
}
