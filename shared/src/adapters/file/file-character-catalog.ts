import { readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { z } from 'zod';
import { CharacterSchema, type Character } from '../../domain/character';
import type { CharacterCatalog } from '../../ports/character-catalog';
import type { Logger } from '../../ports/logger';

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
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch (err) {
    throw new CatalogError(`CHARACTERS_DIR: cannot read ${dir}: ${(err as Error).message}`);
  }
  if (files.length === 0) throw new CatalogError(`CHARACTERS_DIR: no *.json character in ${dir}`);
  const characters: Character[] = [];
  for (const file of files) {
    const path = join(dir, file);
    let raw: unknown;
    const text = readFileSync(path, 'utf8');
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new CatalogError(`${path}: not valid JSON${jsonErrorLocation(text)} (${(err as Error).message})`);
    }
    const parsed = CharacterSchema.safeParse(raw);
    if (!parsed.success) throw new CatalogError(`${path}: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
    if (`${parsed.data.id}.json` !== file)
      throw new CatalogError(`${path}: file name must be "${parsed.data.id}.json"`);
    characters.push(parsed.data);
  }
  return new InMemoryCharacterCatalog(characters);
}

/**
 * ` at line L, column C: <what>` (1-based, as editors count) of the first syntax error in `text`,
 * found by jsonc-parser (strict: no comments, no trailing commas), since V8's own message does not
 * always say where; '' when it finds none.
 */
export function jsonErrorLocation(text: string): string {
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return '';
  const before = text.slice(0, first.offset);
  const line = before.split('\n').length;
  return ` at line ${line}, column ${before.length - before.lastIndexOf('\n')}: ${printParseErrorCode(first.error)}`;
}

/**
 * A catalog that follows its folder (`npm run dev`): on a change under `dir` it loads the folder
 * again, validated as at start-up; a folder that no longer loads keeps the last good catalog and
 * the reason is logged. `list`/`get` always answer from one whole catalog, never a half-read folder.
 */
export class ReloadingCharacterCatalog implements CharacterCatalog {
  private current: InMemoryCharacterCatalog;
  private watcher: FSWatcher | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** @throws CatalogError when the folder does not load at start, as `loadCharacterCatalog`. */
  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {
    this.current = loadCharacterCatalog(dir);
  }

  list(): Character[] {
    return this.current.list();
  }
  get(characterId: string): Character | null {
    return this.current.get(characterId);
  }

  /** Loads the folder again; on failure the last good catalog stays and the reason is returned. */
  reload(): { ok: true; characters: number } | { ok: false; reason: string } {
    try {
      this.current = loadCharacterCatalog(this.dir);
      const characters = this.current.list().length;
      this.logger.info({ dir: this.dir, characters }, 'character catalog reloaded');
      return { ok: true, characters };
    } catch (err) {
      const reason = (err as Error).message;
      this.logger.warn({ dir: this.dir, reason }, 'character catalog NOT reloaded, the last good one stays');
      return { ok: false, reason };
    }
  }

  /** Reloads `debounceMs` after the last change seen in the folder (an editor's save is several events). */
  watch(debounceMs = 150): this {
    this.watcher = watch(this.dir, () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.reload(), debounceMs);
    });
    return this;
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}
