import type { Character } from '../domain/character';

/** The characters a game offers; loaded and validated once at start-up. */
export interface CharacterCatalog {
  list(): Character[];
  /** Null when there is no such character. */
  get(characterId: string): Character | null;
}
