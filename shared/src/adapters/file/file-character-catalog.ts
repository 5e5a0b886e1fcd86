import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CharacterSchema, type Character } from '../../domain/character';
import type { CharacterCatalog } from '../../ports/character-catalog';

export class InMemoryCharacterCatalog implements CharacterCatalog {
  private readonly byId: Map<string, Character>;
  constructor(characters: Character[]) {
    this.byId = new Map(characters.map((c) => [c.id, c]));
  }
  list(): Character[] {
    return [...this.byId.values()];
  }
  get(characterId: string): Character | null {
    return this.byId.get(characterId) ?? null;
  }
}

export class CatalogError extends Error {}

/**
 * Reads every `*.json` in `dir`. Any invalid file stops start-up with its path and the reason, so a
 * broken character never reaches a player.
 */
export function loadCharacterCatalog(dir: string): InMemoryCharacterCatalog {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch (err) {
    throw new CatalogError(`CHARACTERS_DIR: cannot read ${dir}: ${(err as Error).message}`);
  }
  if (files.length === 0) throw new CatalogError(`CHARACTERS_DIR: no *.json character in ${dir}`);
  const characters: Character[] = [];
  for (const file of files) {
    const path = join(dir, file);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new CatalogError(`${path}: not valid JSON: ${(err as Error).message}`);
    }
    const parsed = CharacterSchema.safeParse(raw);
    if (!parsed.success) throw new CatalogError(`${path}: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
    if (`${parsed.data.id}.json` !== file) throw new CatalogError(`${path}: file name must be "${parsed.data.id}.json"`);
    characters.push(parsed.data);
  }
  return new InMemoryCharacterCatalog(characters);
}
