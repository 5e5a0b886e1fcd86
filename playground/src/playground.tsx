import { useEffect, useId, useState, type FormEvent } from 'react';
import { ParleyApiError, type DialogueState, type Option, type Outcome, type ParleyClient, type PublicCharacter, type Turn } from '../../client/src';
import { CourseChart, type CoursePoint } from './course-chart';
import { EventsPanel } from './events-panel';

type Line = { key: string; speaker: 'player' | 'character'; text: string };

function pointOf(turn: number, d: DialogueState): CoursePoint {
  const mood = d.participants.character.mood;
  return { turn, goalProgress: d.goalProgress, opinion: d.participants.character.opinions.player ?? 0, valence: mood.valence, emotion: mood.emotion };
}

function describe(err: unknown): string {
  if (err instanceof ParleyApiError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The designer's playground: pick a character, a goal and a valid strategy, talk (options or free
 * text) while the reply streams in, watch mood, opinion and goal progress, end and read the outcome.
 */
export function Playground({ client }: { client: ParleyClient }) {
  const ids = { character: useId(), goal: useId(), strategy: useId(), text: useId() };
  const [characters, setCharacters] = useState<PublicCharacter[]>([]);
  const [characterId, setCharacterId] = useState('');
  const [goalId, setGoalId] = useState('');
  const [strategyId, setStrategyId] = useState('');
  const [dialogue, setDialogue] = useState<DialogueState | null>(null);
  const [lines, setLines] = useState<Line[]>([]);
  const [streaming, setStreaming] = useState<string | null>(null);
  const [options, setOptions] = useState<Option[]>([]);
  const [points, setPoints] = useState<CoursePoint[]>([]);
  const [reasons, setReasons] = useState<string[]>([]);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client.listCharacters().then(setCharacters, (err) => setError(describe(err)));
  }, [client]);

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

  const addLine = (turn: Pick<Turn, 'seq' | 'speaker' | 'text'>) => setLines((old) => [...old, { key: `${turn.speaker}-${turn.seq}`, speaker: turn.speaker, text: turn.text }]);

  async function start(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setLines([]);
    setPoints([]);
    setOutcome(null);
    setReasons([]);
    try {
      setStreaming('');
      for await (const ev of client.startDialogue({ characterId, goalId, strategyId }, { stream: true })) {
        if (ev.event === 'delta') setStreaming((s) => (s ?? '') + ev.data.text);
        else if (ev.event === 'reply') {
          setStreaming(null);
          addLine(ev.data);
        } else if (ev.event === 'options') setOptions(ev.data);
        else if (ev.event === 'done') {
          setDialogue(ev.data.dialogue);
          setPoints([pointOf(0, ev.data.dialogue)]);
        }
      }
    } catch (err) {
      setError(describe(err));
    } finally {
      setStreaming(null);
      setBusy(false);
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
        else if (ev.event === 'options') setOptions(ev.data);
        else if (ev.event === 'done') {
          const next = ev.data.dialogue;
          setDialogue(next);
          setPoints((old) => [...old, pointOf(next.turnCount, next)]);
        }
      }
      setText('');
    } catch (err) {
      setError(describe(err));
    } finally {
      setStreaming(null);
      setBusy(false);
    }
  }

  async function end() {
    if (!dialogue) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await client.endDialogue(dialogue.id, { reason: 'ended in the playground' });
      setOutcome(answer.outcome);
      setOptions([]);
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  }

  const active = dialogue !== null && outcome === null;
  const last = points[points.length - 1];
  return (
    <>
      <header>
        <h1>Parley playground</h1>
      </header>
      <main>
        <div>
          <section aria-labelledby="setup-title">
            <h2 id="setup-title">1. Who, and what for</h2>
            <form onSubmit={start}>
              <label htmlFor={ids.character}>Character</label>
              <select id={ids.character} value={characterId} onChange={(e) => pickCharacter(e.target.value)} disabled={busy || active}>
                <option value="">Choose a character…</option>
                {characters.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
              <label htmlFor={ids.goal}>Goal</label>
              <select id={ids.goal} value={goalId} onChange={(e) => pickGoal(e.target.value)} disabled={!character || busy || active}>
                {character?.goals.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.description}
                  </option>
                ))}
              </select>
              {goal && <p className="hint">Success looks like: {goal.successHint}</p>}
              <label htmlFor={ids.strategy}>Strategy (only those valid for this goal)</label>
              <select id={ids.strategy} value={strategyId} onChange={(e) => setStrategyId(e.target.value)} disabled={!goal || busy}>
                {goal?.strategies.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.id}: {s.description}
                  </option>
                ))}
              </select>
              <button type="submit" disabled={!goal || !strategyId || busy || active}>
                Start dialogue
              </button>
            </form>
          </section>

          <section aria-labelledby="talk-title">
            <h2 id="talk-title">2. Talk{character ? ` with ${character.name}` : ''}</h2>
            <ol className="transcript" role="log" aria-label="Transcript" data-testid="transcript">
              {lines.map((l) => (
                <li key={l.key} className={l.speaker}>
                  <strong>{l.speaker === 'player' ? 'You' : (character?.name ?? 'Character')}:</strong> {l.text}
                </li>
              ))}
              {streaming !== null && (
                <li className="character streaming" aria-live="polite" aria-busy="true">
                  <strong>{character?.name ?? 'Character'}:</strong> <span data-testid="streaming-reply">{streaming}</span>
                </li>
              )}
            </ol>
            {active && (
              <>
                <h3 className="hint">Suggested lines</h3>
                <ul className="options" data-testid="options">
                  {options.map((o) => (
                    <li key={o.id}>
                      <button type="button" className="secondary" disabled={busy} onClick={() => void say({ optionId: o.id })}>
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
                  <textarea id={ids.text} rows={2} value={text} onChange={(e) => setText(e.target.value)} disabled={busy} />
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

          <section aria-labelledby="course-title">
            <h2 id="course-title">3. How it is going</h2>
            {last ? (
              <div className="stats" data-testid="stats">
                <div>
                  Mood: <strong>{last.emotion}</strong> ({last.valence.toFixed(2)})
                </div>
                <div>
                  Opinion of you: <strong>{Math.round(last.opinion)}</strong>
                </div>
                <div>
                  Goal progress: <strong>{Math.round(last.goalProgress * 100)}%</strong>
                </div>
              </div>
            ) : (
              <p className="hint">Start a dialogue to see mood, opinion and goal progress per turn.</p>
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

          {outcome && (
            <section className="outcome" aria-labelledby="outcome-title" data-testid="outcome">
              <h2 id="outcome-title">Outcome: goal {outcome.goalAchieved ? 'achieved' : 'not achieved'}</h2>
              <p>{outcome.summary}</p>
              <p className="hint">
                {outcome.turnCount} turns · progress {Math.round(outcome.goalProgress * 100)}% · opinion {outcome.opinionChange.from} → {outcome.opinionChange.to} · mood{' '}
                {outcome.moodChange.from.emotion} → {outcome.moodChange.to.emotion}
              </p>
              <button type="button" onClick={() => { setDialogue(null); setOutcome(null); setLines([]); setPoints([]); setReasons([]); }}>
                New dialogue
              </button>
            </section>
          )}
        </div>
        <EventsPanel client={client} />
      </main>
    </>
  );
}
