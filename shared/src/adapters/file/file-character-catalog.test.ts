import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CharacterSchema } from '../../domain/character';
import { CatalogError, jsonErrorLocation, loadCharacterCatalog } from './file-character-catalog';

const repoRoot = join(__dirname, '..', '..', '..', '..');
const contentDir = join(repoRoot, 'content', 'characters');
const invalidDir = (name: string) => join(repoRoot, 'test', 'fixtures', 'characters-invalid', name);

/** The error loading `dir` throws; fails the test when it loads. */
function loadError(dir: string): CatalogError {
  try {
    loadCharacterCatalog(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogError);
    return err as CatalogError;
  }
  throw new Error(`expected ${dir} to be refused`);
}

describe('loadCharacterCatalog on the sample content', () => {
  const catalog = loadCharacterCatalog(contentDir);

  it('loads at least three valid characters with distinct ids', () => {
    const characters = catalog.list();
    expect(characters.length).toBeGreaterThanOrEqual(3);
    const ids = characters.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of characters) expect(CharacterSchema.parse(c)).toEqual(c);
    expect(ids).toEqual(expect.arrayContaining(['captain-bram', 'innkeeper-mara', 'scholar-ilse']));
  });

  it('finds each character by id, and answers null for an unknown id', () => {
    for (const c of catalog.list()) expect(catalog.get(c.id)).toBe(c);
    expect(catalog.get('nobody')).toBeNull();
    expect(catalog.get('')).toBeNull();
  });
});

describe('loadCharacterCatalog refuses a broken folder with the file and the reason', () => {
  it.each([
    // The file stops after line 4: the parser fails at the start of line 5.
    { name: 'bad-json', file: 'broken-bram.json', reasons: ['not valid JSON at line 5, column 1'] },
    // The schema's own words: which field and what is wrong with it.
    { name: 'schema-violation', file: 'smith-odo.json', reasons: ['opinions', 'must hold an opinion of the "player"'] },
    { name: 'name-mismatch', file: 'blacksmith.json', reasons: ['file name must be "smith-odo.json"'] },
    // One bad file stops the whole catalog, even after good ones loaded.
    { name: 'one-bad-among-good', file: 'tanner-vel.json', reasons: ['baselineMood.intensity'] },
  ])('$name', ({ name, file, reasons }) => {
    const message = loadError(invalidDir(name)).message;
    expect(message).toContain(join(invalidDir(name), file));
    for (const reason of reasons) expect(message).toContain(reason);
    // One line: it is what start-up prints before it stops.
    expect(message).not.toContain('\n');
  });
});

describe('loadCharacterCatalog names CHARACTERS_DIR when there is nothing to load', () => {
  let emptyDir: string;
  beforeAll(() => {
    emptyDir = mkdtempSync(join(tmpdir(), 'parley-empty-characters-'));
  });
  afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

  it.each([
    { name: 'empty folder', dir: () => emptyDir, reason: 'no *.json character' },
    { name: 'folder without *.json', dir: () => invalidDir('no-json'), reason: 'no *.json character' },
    {
      name: 'missing folder',
      dir: () => join(repoRoot, 'test', 'fixtures', 'no-such-characters-dir'),
      reason: 'cannot read',
    },
  ])('$name', ({ dir, reason }) => {
    const message = loadError(dir()).message;
    expect(message).toMatch(/^CHARACTERS_DIR: /);
    expect(message).toContain(dir());
    expect(message).toContain(reason);
  });
});

describe('jsonErrorLocation: where a JSON syntax error is, as an editor counts', () => {
  it.each([
    ['a missing comma on line 3', '{\n  "id": "x"\n  "name": "y"\n}', ' at line 3, column 3: CommaExpected'],
    ['a trailing comma', '{\n  "id": "x",\n}', ' at line 3, column 1: PropertyNameExpected'],
    ['a stray word on line 1', '{"id": x}', ' at line 1, column 8: InvalidSymbol'],
    ['a comment', '{\n  // note\n  "id": "x"\n}', ' at line 2, column 3: InvalidCommentToken'],
    ['an empty file', '', ' at line 1, column 1: ValueExpected'],
  ])('%s', (_name, text, location) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonErrorLocation(text)).toBe(location);
  });
  it('finds nothing in valid JSON', () => {
    expect(jsonErrorLocation('{"id": "x"}')).toBe('');
  });
});
