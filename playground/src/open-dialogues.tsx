import type { DialogueState, PublicCharacter } from '../../client/src';

/**
 * The player's open dialogues (GET /v1/dialogues?status=active): each can be resumed or ended here,
 * so an unfinished dialogue never holds one of the player's slots out of reach.
 */
export function OpenDialogues(props: {
  dialogues: DialogueState[];
  characters: PublicCharacter[];
  currentId: string | null;
  busy: boolean;
  onResume: (id: string) => void;
  onEnd: (id: string) => void;
}) {
  const nameOf = (id: string) => props.characters.find((c) => c.id === id)?.name ?? id;
  return (
    <section aria-labelledby="open-title" data-testid="open-dialogues">
      <h2 id="open-title">Your open dialogues ({props.dialogues.length})</h2>
      {props.dialogues.length === 0 ? (
        <p className="hint">None.</p>
      ) : (
        <ul className="open-dialogues">
          {props.dialogues.map((d) => (
            <li key={d.id} data-dialogue-id={d.id}>
              <span>
                {nameOf(d.characterId)} · {d.goalId} · turn {d.turnCount}
                {d.id === props.currentId ? <strong> (on screen)</strong> : null}
              </span>
              <span>
                {d.id !== props.currentId && (
                  <button
                    type="button"
                    className="secondary"
                    disabled={props.busy}
                    onClick={() => props.onResume(d.id)}
                  >
                    Resume
                  </button>
                )}
                <button
                  type="button"
                  className="secondary"
                  disabled={props.busy}
                  onClick={() => props.onEnd(d.id)}
                  aria-label={`End the dialogue with ${nameOf(d.characterId)} (${d.id})`}
                >
                  End
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
