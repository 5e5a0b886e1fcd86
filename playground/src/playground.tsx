import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import {
  ParleyApiError,
  type DialogueState,
  type Option,
  type Outcome,
  type ParleyClient,
  type PublicCharacter,
  type Turn,
} from '../../client/src';
import type { BrowserSession } from './browser-session';
import { CharacterSheet } from './character-sheet';
import { CourseChart, type CoursePoint } from './course-chart';
import { EventsPanel } from './events-panel';
import { OpenDialogues } from './open-dialogues';
import { GameStanding, type GameView } from './game-standing';

type Line = { key: string; speaker: 'player' | 'character'; text: string };

function pointOf(turn: number, d: Pick<DialogueState, 'goalProgress' | 'participants'>): CoursePoint {
  const mood = d.participants.character.mood;
  return {
    turn,
    goalProgress: d.goalProgress,
    opinion: d.participants.character.opinions.player ?? 0,
    valence: mood.valence,
    emotion: mood.emotion,
  };
}

/** A failed fetch (no answer at all) is a TypeError; everything the server said is a ParleyApiError. */
export function isServerDown(err: unknown): boolean {
  return (
    err instanceof TypeError || (err instanceof ParleyApiError && err.status === 0 && err.code !== 'StreamInterrupted')
  );
}

function describe(err: unknown): string {
  if (isServerDown(err)) return 'Parley is not answering: the server is down or unreachable.';
  if (err instanceof ParleyApiError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

const lineOf = (turn: Pick<Turn, 'seq' | 'speaker' | 'text'>): Line => ({
  key: `${turn.speaker}-${turn.seq}`,
  speaker: turn.speaker,
  text: turn.text,
});

/**
 * The designer's playground: pick a character, a goal and a valid strategy, talk (options or free
 * text) while the reply streams in, watch mood, opinion and goal progress, end and read the outcome.
 * The dialogue on screen survives a reload (its id is kept in this browser).
 */
export function Playground({ client, session }: { client: ParleyClient; session: BrowserSession }) {
  const ids = { character: useId(), goal: useId(), strategy: useId(), text: useId() };
  const [characters, setCharacters] = useState<PublicCharacter[]>([]);
  const [characterId, setCharacterId] = useState('');
  const [goalId, setGoalId] = useState('');
  const [strategyId, setStrategyId] = useState('');
  const [dialogue, setDialogue] = useState<{ id: string; turnCount: number } | null>(null);
  const [lines, setLines] = useState<Line[]>([]);
  const [streaming, setStreaming] = useState<string | null>(null);
  const [options, setOptions] = useState<Option[]>([]);
  const [points, setPoints] = useState<CoursePoint[]>([]);
  const [reasons, setReasons] = useState<string[]>([]);
  const [game, setGame] = useState<GameView | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [serverDown, setServerDown] = useState(false);
  const [open, setOpen] = useState<DialogueState[]>([]);
  const transcriptRef = useRef<HTMLOListElement>(null);

  const fail = useCallback((err: unknown) => {
    if (isServerDown(err)) setServerDown(true);
    setError(describe(err));
  }, []);

  /** The player's open dialogues (the first 100: the list is for finding and ending them). */
  const refreshOpen = useCallback(() => {
    client.listDialogues({ limit: 100 }).then((page) => setOpen(page.dialogues), fail);
  }, [client, fail]);

  const clearDialogue = useCallback(() => {
    session.setDialogueId(null);
    setDialogue(null);
    setOutcome(null);
    setLines([]);
    setPoints([]);
    setReasons([]);
    setOptions([]);
    setGame(null);
  }, [session]);

  /** Shows a dialogue read from the server: its transcript, standing and options, or its outcome. */
  const show = useCallback(
    async (dialogueId: string) => {
      const answer = await client.getDialogue(dialogueId);
      setCharacterId(answer.dialogue.characterId);
      setGoalId(answer.dialogue.goalId);
      setStrategyId(answer.dialogue.strategyId);
      setReasons([]);
      if ('outcome' in answer) {
        session.setDialogueId(null);
        setDialogue({ id: answer.dialogue.id, turnCount: answer.outcome.turnCount });
        setOutcome(answer.outcome);
        setOptions([]);
        setLines([]);
        setPoints([]);
        return;
      }
      const d = answer.dialogue;
      setGame(d.game ?? null);
      session.setDialogueId(d.id);
      setDialogue({ id: d.id, turnCount: d.turnCount });
      setOutcome(null);
      setOptions(d.options);
      setLines(d.turns.map(lineOf));
      setPoints([pointOf(d.turnCount, d)]);
    },
    [client, session],
  );

  useEffect(() => {
    client.listCharacters().then(async (list) => {
      setCharacters(list);
      setServerDown(false);
      refreshOpen();
      // Resume the dialogue this browser had on screen before the reload.
      const current = session.dialogueId();
      if (current)
        await show(current).catch((err: unknown) => (isServerDown(err) ? fail(err) : session.setDialogueId(null)));
    }, fail);
  }, [client, session, show, fail, refreshOpen]);

  // The newest line is always in view, streaming included.
  useEffect(() => {
    const box = transcriptRef.current;
    if (box) box.scrollTop = box.scrollHeight;
  }, [lines, streaming]);

  const character = characters.find((c) => c.id === characterId);
  const goal = character?.goals.find((g) => g.id === goalId);

  function pickCharacter(id: string) {
    setCharacterId(id);
    const first = characters.find((c) => c.id === id)?.goals[0];
    setGoalId(first?.id ?? '');
    setStrategyId(first?.strategies[0]?.id ?? '');
  }
  function pickGoal(id: string) {
    setGoalId(id);
    setStrategyId(character?.goals.find((g) => g.id === id)?.strategies[0]?.id ?? '');
  }

  const addLine = (turn: Pick<Turn, 'seq' | 'speaker' | 'text'>) => setLines((old) => [...old, lineOf(turn)]);

  async function start(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    clearDialogue();
    try {
      setStreaming('');
      for await (const ev of client.startDialogue({ characterId, goalId, strategyId }, { stream: true })) {
        if (ev.event === 'accepted') session.setDialogueId(ev.data.dialogueId);
        else if (ev.event === 'delta') setStreaming((s) => (s ?? '') + ev.data.text);
        else if (ev.event === 'reply') {
          setStreaming(null);
          addLine(ev.data);
        } else if (ev.event === 'options') setOptions(ev.data);
        else if (ev.event === 'done') {
          session.setDialogueId(ev.data.dialogue.id);
          setDialogue({ id: ev.data.dialogue.id, turnCount: ev.data.dialogue.turnCount });
          setGame(ev.data.dialogue.game ?? null);
          setPoints([pointOf(0, ev.data.dialogue)]);
        }
      }
    } catch (err) {
      fail(err);
    } finally {
      setStreaming(null);
      setBusy(false);
      refreshOpen();
    }
  }

  async function say(move: { optionId: string } | { text: string; strategyId: string }) {
    if (!dialogue) return;
    setBusy(true);
    setError(null);
    try {
      for await (const ev of client.sendMessage(dialogue.id, move, { stream: true })) {
        if (ev.event === 'accepted') {
          addLine(ev.data);
          setStreaming('');
        } else if (ev.event === 'delta') setStreaming((s) => (s ?? '') + ev.data.text);
        else if (ev.event === 'reply') {
          setStreaming(null);
          addLine(ev.data);
        } else if (ev.event === 'changes') setReasons(ev.data.reasons);
        else if (ev.event === 'ended') {
          // The character ended the dialogue with this turn: show its outcome as for any end.
          session.setDialogueId(null);
          setOutcome(ev.data.outcome);
        } else if (ev.event === 'options') setOptions(ev.data);
        else if (ev.event === 'done') {
          const next = ev.data.dialogue;
          setGame(next.game ?? null);
          setDialogue({ id: next.id, turnCount: next.turnCount });
          setPoints((old) => [...old, pointOf(next.turnCount, next)]);
        }
      }
      setText('');
    } catch (err) {
      fail(err);
    } finally {
      setStreaming(null);
      setBusy(false);
      refreshOpen();
    }
  }

  /** Ends `dialogueId` (the one on screen by default); the one on screen then shows its outcome. */
  async function end(dialogueId = dialogue?.id) {
    if (!dialogueId) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await client.endDialogue(dialogueId, { reason: 'ended in the playground' });
      if (dialogueId === dialogue?.id) {
        session.setDialogueId(null);
        setOutcome(answer.outcome);
        setOptions([]);
      }
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
      refreshOpen();
    }
  }

  async function resume(dialogueId: string) {
    setBusy(true);
    setError(null);
    try {
      await show(dialogueId);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  }

  const active = dialogue !== null && outcome === null;
  const last = points[points.length - 1];
  const status = outcome
    ? `ended${outcome.endedBy === 'character' ? ' by the character' : ''}: goal ${outcome.goalAchieved ? 'achieved' : 'not achieved'}`
    : active
      ? `active, turn ${dialogue.turnCount}`
      : 'no dialogue';
  return (
    <>
      <header>
        <h1>Parley playground</h1>
        <span className="player" data-testid="player-id">
          Playing as <code>{session.playerId}</code>
        </span>
      </header>
      {serverDown && (
        <p className="server-down" role="alert" data-testid="server-down">
          Server down: Parley at {window.location.origin} is not answering. Start it with <code>npm start</code>; this
          page retries every second.
        </p>
      )}
      <main>
        <div className="column">
          {active || outcome ? (
            <section aria-labelledby="setup-title" data-testid="setup-summary">
              <h2 id="setup-title">1. Who, and what for</h2>
              <p>
                <strong>{character?.name ?? characterId}</strong> · {goal?.description ?? goalId} · strategy{' '}
                <code>{strategyId}</code>
              </p>
            </section>
          ) : (
            <section aria-labelledby="setup-title">
              <h2 id="setup-title">1. Who, and what for</h2>
              <form onSubmit={start}>
                <label htmlFor={ids.character}>Character</label>
                <select
                  id={ids.character}
                  value={characterId}
                  onChange={(e) => pickCharacter(e.target.value)}
                  disabled={busy}
                >
                  <option value="">Choose a character…</option>
                  {characters.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name}
                    </option>
                  ))}
                </select>
                <label htmlFor={ids.goal}>Goal</label>
                <select
                  id={ids.goal}
                  value={goalId}
                  onChange={(e) => pickGoal(e.target.value)}
                  disabled={!character || busy}
                >
                  {character?.goals.map((g) => (
                    <option key={g.id} value={g.id}>
                      {g.description}
                    </option>
                  ))}
                </select>
                {goal && <p className="hint">Success looks like: {goal.successHint}</p>}
                <label htmlFor={ids.strategy}>Strategy (only those valid for this goal)</label>
                <select
                  id={ids.strategy}
                  value={strategyId}
                  onChange={(e) => setStrategyId(e.target.value)}
                  disabled={!goal || busy}
                >
                  {goal?.strategies.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.id}: {s.description}
                    </option>
                  ))}
                </select>
                <button type="submit" disabled={!goal || !strategyId || busy}>
                  Start dialogue
                </button>
              </form>
            </section>
          )}

          <section aria-labelledby="course-title" data-testid="status">
            <h2 id="course-title">2. How it is going</h2>
            <p className="status-line">
              Status: <strong data-testid="dialogue-status">{status}</strong>
              <GameStanding game={game} outcome={outcome} name={character?.name ?? 'The character'} />
            </p>
            {outcome && (
              <div className="outcome" data-testid="outcome">
                <h3>Outcome: goal {outcome.goalAchieved ? 'achieved' : 'not achieved'}</h3>
                <p>{outcome.summary}</p>
                <p className="hint">
                  {outcome.turnCount} turns · progress {Math.round(outcome.goalProgress * 100)}% · opinion{' '}
                  {outcome.opinionChange.from} → {outcome.opinionChange.to} · mood {outcome.moodChange.from.emotion} →{' '}
                  {outcome.moodChange.to.emotion}
                </p>
                <button type="button" onClick={clearDialogue}>
                  New dialogue
                </button>
              </div>
            )}
            {last ? (
              <dl className="stats" data-testid="stats">
                <div>
                  <dt>Mood</dt>
                  <dd>
                    <strong>{last.emotion}</strong>, valence{' '}
                    <span data-testid="valence">{last.valence.toFixed(2)}</span>{' '}
                    <span className="hint">(-1 unhappy … 1 happy)</span>
                  </dd>
                </div>
                <div>
                  <dt>Opinion of you</dt>
                  <dd>
                    <strong>{Math.round(last.opinion)}</strong> <span className="hint">(-100 … 100)</span>
                  </dd>
                </div>
                <div>
                  <dt>Goal progress</dt>
                  <dd>
                    <strong>{Math.round(last.goalProgress * 100)}%</strong>
                  </dd>
                </div>
              </dl>
            ) : (
              !outcome && <p className="hint">Start a dialogue to see mood, opinion and goal progress per turn.</p>
            )}
            <CourseChart points={points} />
            {reasons.length > 0 && (
              <ul aria-label="Why it changed">
                {reasons.map((r, i) => (
                  <li key={i}>{r}</li>
                ))}
              </ul>
            )}
          </section>
          <OpenDialogues
            dialogues={open}
            characters={characters}
            currentId={active ? dialogue.id : null}
            busy={busy}
            onResume={(id) => void resume(id)}
            onEnd={(id) => void end(id)}
          />
          {character && <CharacterSheet character={character} />}
        </div>

        <section aria-labelledby="talk-title" className="talk">
          <h2 id="talk-title">3. Talk{character ? ` with ${character.name}` : ''}</h2>
          <ol className="transcript" role="log" aria-label="Transcript" data-testid="transcript" ref={transcriptRef}>
            {lines.map((l) => (
              <li key={l.key} className={l.speaker}>
                <strong>{l.speaker === 'player' ? 'You' : (character?.name ?? 'Character')}:</strong> {l.text}
              </li>
            ))}
            {streaming !== null && (
              <li className="character streaming" aria-live="polite" aria-busy="true">
                <strong>{character?.name ?? 'Character'}:</strong>{' '}
                <span data-testid="streaming-reply">{streaming}</span>
              </li>
            )}
          </ol>
          {active && (
            <>
              <h3 className="hint">Suggested lines</h3>
              <ul className="options" data-testid="options">
                {options.map((o) => (
                  <li key={o.id}>
                    <button
                      type="button"
                      className="secondary"
                      disabled={busy}
                      onClick={() => void say({ optionId: o.id })}
                    >
                      {o.text} <span className="hint">({o.strategyId})</span>
                    </button>
                  </li>
                ))}
              </ul>
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  void say({ text, strategyId });
                }}
              >
                <label htmlFor={ids.text}>Or say something (strategy: {strategyId})</label>
                <textarea
                  id={ids.text}
                  rows={2}
                  value={text}
                  onChange={(e) => setText(e.target.value)}
                  disabled={busy}
                />
                <button type="submit" disabled={busy || text.trim() === ''}>
                  Say it
                </button>
                <button type="button" className="secondary" disabled={busy} onClick={() => void end()}>
                  End dialogue
                </button>
              </form>
            </>
          )}
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
        </section>
        <EventsPanel client={client} onReachable={(up) => setServerDown(!up)} />
      </main>
    </>
  );
}
