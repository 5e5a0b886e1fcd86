import type { PublicCharacter } from '../../client/src';

/** What a player may know of a character: the public blurb, temperament and goals (never the persona or secrets). */
export function CharacterSheet({ character }: { character: PublicCharacter }) {
  return (
    <section aria-labelledby="sheet-title" data-testid="character-sheet">
      <h2 id="sheet-title">{character.name}</h2>
      {character.blurb ? <p data-testid="blurb">{character.blurb}</p> : <p className="hint">No description.</p>}
      <p className="hint">
        Usually {character.baselineMood.emotion}. Traits:{' '}
        {Object.entries(character.traits)
          .map(([trait, value]) => `${trait} ${value}`)
          .join(', ')}
      </p>
      <ul>
        {character.goals.map((g) => (
          <li key={g.id}>
            {g.description} <span className="hint">({g.strategies.map((s) => s.id).join(', ')})</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
