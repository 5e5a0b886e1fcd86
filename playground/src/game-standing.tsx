import type { DialogueState, Outcome } from '../../client/src';

export type GameView = NonNullable<DialogueState['game']>;

/**
 * Where the game stands, as a designer watches a character being won or lost: patience left, the
 * turn the goal was reached or lost, and whether the character ended the dialogue. One line, so the
 * status stays above the fold.
 */
export function GameStanding({
  game,
  outcome,
  name,
}: {
  game: GameView | null;
  outcome: Outcome | null;
  name: string;
}) {
  if (!game && !outcome) return null;
  const achievedAt = outcome?.goalAchievedAt ?? game?.goalAchievedAt;
  const lost = outcome ? outcome.goalLost : game?.goalLostAt !== undefined;
  return (
    <span className="game-standing" data-testid="game-standing">
      {game && (
        <>
          {' · '}patience <meter min={0} max={game.patienceMax} value={game.patience} aria-label="Patience" />{' '}
          <strong data-testid="patience">{game.patience}</strong>/{game.patienceMax}
        </>
      )}
      {' · '}goal{' '}
      <strong data-testid="goal-standing" className={achievedAt !== undefined ? 'won' : lost ? 'lost' : undefined}>
        {achievedAt !== undefined
          ? `reached at turn ${achievedAt}`
          : lost
            ? `lost${game?.goalLostAt ? ` at turn ${game.goalLostAt}` : ''}`
            : 'open'}
      </strong>
      {outcome?.endedBy === 'character' && (
        <>
          {' · '}
          <strong className="lost" data-testid="character-ended">
            {name} ended the dialogue
          </strong>
        </>
      )}
    </span>
  );
}
