// The start use case with in-memory adapters (unit tier): the HTTP tests cover the routes around it.
import {
  Aborted,
  CharacterNotFound,
  InvalidStrategy,
  TooManyDialogues,
  eventSource,
  type AiTaskName,
  runTurnSteps,
} from '@parley/shared';
import { InMemoryDialogueStore } from '@parley/shared/testing';
import { aiWithHook, gate, inMemoryDialogue } from '../../test/support/in-memory-dialogue';
import { start } from './handler';

const command = { playerId: 'player-1', characterId: 'smith-odo', goalId: 'buy-sword' };

/** The kit with every AI call's task recorded. */
function kitCountingAi(options: Parameters<typeof inMemoryDialogue>[0] = {}) {
  const aiCalls: AiTaskName[] = [];
  const kit = inMemoryDialogue({ ...options, wrapAi: (ai) => aiWithHook(ai, (task) => void aiCalls.push(task)) });
  return { ...kit, aiCalls };
}

describe('start with an idempotency key', () => {
  test('a retry while the first request still runs, at the active-dialogue cap: both answer the one dialogue', async () => {
    const firstOptions = gate();
    let optionsCalls = 0;
    let created!: () => void;
    const firstCreated = new Promise<void>((resolve) => (created = resolve));
    let countCalls = 0;
    const kit = inMemoryDialogue({
      maxActiveDialogues: 1,
      // The retry counts the player's dialogues only after the first request created its dialogue.
      store: (now) => {
        const inner = new InMemoryDialogueStore({ ttlSeconds: 3600, now });
        return new Proxy(inner, {
          get(target, name) {
            if (name === 'activeDialogues')
              return async (playerId: string) => {
                if (++countCalls === 2) await firstCreated;
                return target.activeDialogues(playerId);
              };
            if (name === 'create')
              return async (...args: Parameters<InMemoryDialogueStore['create']>) => {
                const result = await target.create(...args);
                created();
                return result;
              };
            const value = Reflect.get(target, name) as unknown;
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        });
      },
      wrapAi: (ai) =>
        aiWithHook(ai, async (task) => {
          if (task === 'dialogue.options' && optionsCalls++ === 0) await firstOptions.pass();
        }),
    });
    const deps = kit.deps('dialogue-start');
    const keyed = { ...command, idempotencyKey: 'start-1' };
    const first = start(deps, keyed);
    await firstOptions.reached;
    const retry = start(deps, keyed);
    firstOptions.open();
    const [a, b] = await Promise.all([first, retry]);
    expect(b.dialogue.id).toBe(a.dialogue.id);
    expect(b.greeting).toEqual(a.greeting);
    expect(await kit.store.activeDialogues('player-1')).toBe(1);
  });
});

describe('start', () => {
  test('greets live through the hooks, proposes options, stores the dialogue, announces dialogue.initiate', async () => {
    const kit = kitCountingAi();
    const accepted: unknown[] = [];
    const deltas: string[] = [];
    const started = await start(
      kit.deps('dialogue-start'),
      { ...command, strategyId: 'bribe' },
      {
        onAccepted: (a) => accepted.push(a),
        onDelta: (text) => deltas.push(text),
      },
    );
    const id = started.dialogue.id;
    expect(accepted).toEqual([{ dialogueId: id, characterId: 'smith-odo', goalId: 'buy-sword', strategyId: 'bribe' }]);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(started.greeting.text);
    expect(started.options.length).toBeGreaterThan(0);
    expect(started.dialogue).toMatchObject({
      playerId: 'player-1',
      version: 0,
      turnCount: 0,
      status: 'active',
      options: started.options,
    });
    expect(await kit.store.load(id)).toEqual(started.dialogue);
    expect(await kit.store.transcript(id)).toEqual([started.greeting]);
    expect(kit.dialogueEvents().map((e) => [e.type, e.subject, e.source])).toEqual([
      ['dialogue.initiate', id, eventSource('dialogue-start')],
    ]);
    expect(kit.aiCalls).toEqual(['dialogue.reply', 'dialogue.options']);
  });

  test.each([
    ['an unknown character', { characterId: 'nobody' }, CharacterNotFound],
    ['a strategy of another goal', { strategyId: 'flatter' }, InvalidStrategy],
  ])('%s is refused before any AI call or write', async (_name, change, error) => {
    const kit = kitCountingAi();
    await expect(start(kit.deps('dialogue-start'), { ...command, ...change })).rejects.toBeInstanceOf(error);
    expect(kit.aiCalls).toEqual([]);
    expect(await kit.store.activeDialogues('player-1')).toBe(0);
    expect(kit.dialogueEvents()).toEqual([]);
  });

  test('at the active-dialogue cap the next start is refused before any AI call; other players are not affected', async () => {
    const kit = kitCountingAi({ maxActiveDialogues: 2 });
    const deps = kit.deps('dialogue-start');
    await start(deps, command);
    await start(deps, command);
    const callsBefore = kit.aiCalls.length;
    const refused = start(deps, command);
    await expect(refused).rejects.toBeInstanceOf(TooManyDialogues);
    await expect(refused).rejects.toMatchObject({ details: { maxActiveDialogues: 2 } });
    expect(kit.aiCalls).toHaveLength(callsBefore);
    expect(await kit.store.activeDialogues('player-1')).toBe(2);
    await expect(start(deps, { ...command, playerId: 'player-2' })).resolves.toHaveProperty('dialogue');
  });

  test("the store's count at create is the one that counts: an early count that is already stale cannot pass the cap", async () => {
    // Another replica's start landing between the early check and create looks, to this one, like a count of 0.
    class StaleCount extends InMemoryDialogueStore {
      override async activeDialogues(): Promise<number> {
        return 0;
      }
    }
    const store = new StaleCount({ ttlSeconds: 3600 });
    const kit = inMemoryDialogue({ store, maxActiveDialogues: 1 });
    const deps = kit.deps('dialogue-start');
    await start(deps, command);
    let refusedId = '';
    await expect(start(deps, command, { onAccepted: (a) => (refusedId = a.dialogueId) })).rejects.toBeInstanceOf(
      TooManyDialogues,
    );
    expect(refusedId).not.toBe('');
    expect(await store.load(refusedId)).toBeNull();
    expect(kit.dialogueEvents().filter((e) => e.type === 'dialogue.initiate')).toHaveLength(1);
  });

  test('a player who leaves during the greeting: Aborted, nothing stored or announced', async () => {
    const kit = inMemoryDialogue({ maxActiveDialogues: 1 });
    const player = new AbortController();
    let id = '';
    const started = start(
      kit.deps('dialogue-start'),
      command,
      { onAccepted: (a) => (id = a.dialogueId), onDelta: () => player.abort() },
      player.signal,
    );
    await expect(started).rejects.toBeInstanceOf(Aborted);
    expect(await kit.store.load(id)).toBeNull();
    expect(await kit.store.activeDialogues('player-1')).toBe(0);
    expect(kit.dialogueEvents()).toEqual([]);
  });

  test('a player who leaves as the last AI call answers (a client that does not watch the signal): Aborted before the commit', async () => {
    const player = new AbortController();
    const kit = inMemoryDialogue({
      wrapAi: (ai) => ({
        stream: (task, input, options) => ai.stream(task, input, options),
        run: async (task, input, options) => {
          const answer = await ai.run(task, input, options);
          if (task === 'dialogue.options') player.abort();
          return answer;
        },
        turn(input, options) {
          return runTurnSteps(this, input, options);
        },
        ping: () => ai.ping(),
      }),
    });
    let id = '';
    await expect(
      start(kit.deps('dialogue-start'), command, { onAccepted: (a) => (id = a.dialogueId) }, player.signal),
    ).rejects.toBeInstanceOf(Aborted);
    expect(await kit.store.load(id)).toBeNull();
    expect(kit.dialogueEvents()).toEqual([]);
  });
});
