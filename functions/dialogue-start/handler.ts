import {
  Aborted,
  DialogueEnded,
  IdempotencyKeyReused,
  TooManyDialogues,
  characterAsMet,
  chooseGoalAndStrategy,
  characterBrief,
  numberOptions,
  publicCharacter,
  startDialogue,
  characterOf,
  goalBrief,
  seedFor,
  type DialogueDeps,
  type DialogueState,
  type Turn,
} from '@parley/shared';

export type StartCommand = {
  playerId: string;
  characterId: string;
  goalId: string;
  strategyId?: string | undefined;
  traceparent?: string | undefined;
  /** The `Idempotency-Key` header: a retry with it answers the dialogue its first request started. */
  idempotencyKey?: string | undefined;
};
export type StartHooks = {
  onAccepted?: (accepted: { dialogueId: string; characterId: string; goalId: string; strategyId: string }) => void;
  onDelta?: (text: string) => void;
};

/** One page of the player's own live dialogues (the ones the cap counts), ordered by id. */
export async function listDialogues(
  deps: Pick<DialogueDeps, 'store'>,
  playerId: string,
  page: { limit: number; after?: string },
) {
  return deps.store.listActiveDialogues(playerId, page);
}

export function listCharacters(deps: Pick<DialogueDeps, 'catalog'>) {
  return { characters: deps.catalog.list().map(publicCharacter) };
}

export function getCharacter(deps: Pick<DialogueDeps, 'catalog'>, characterId: string) {
  return { character: publicCharacter(characterOf(deps.catalog, characterId)) };
}

/** What `start` answers (201 in JSON; the `reply`, `options` and `done` events of a stream). */
export type StartAnswer = { dialogue: DialogueState; greeting: Turn; options: DialogueState['options'] };

/**
 * Start a dialogue: check goal and strategy against the character, let the character greet the
 * player (streamed), propose options, then create the state and announce `dialogue.initiate`.
 *
 * With an idempotency key the key is claimed first for the new dialogue id, then that id is created:
 * a retry finds the claim and answers the dialogue as stored (one complete stream when streamed), or,
 * when the first request died before creating it, starts that same id, which the store creates once.
 * The same key with another body: `IdempotencyKeyReused`.
 */
export async function start(
  deps: DialogueDeps,
  cmd: StartCommand,
  hooks: StartHooks = {},
  signal?: AbortSignal,
): Promise<StartAnswer> {
  const character = characterOf(deps.catalog, cmd.characterId);
  const { goal, strategy } = chooseGoalAndStrategy(character, cmd.goalId, cmd.strategyId);
  let dialogueId = deps.store.newDialogueId(cmd.playerId);
  let retry = false;
  if (cmd.idempotencyKey !== undefined) {
    const request = canonicalStartRequest(cmd);
    const claim = await deps.store.claimStart(cmd.playerId, cmd.idempotencyKey, { dialogueId, request });
    if (!claim.claimed) {
      if (!claim.sameRequest) {
        throw new IdempotencyKeyReused(
          'this Idempotency-Key was already used to start a dialogue with a different body; send a new key',
          { details: { idempotencyKey: cmd.idempotencyKey, dialogueId: claim.dialogueId } },
        );
      }
      dialogueId = claim.dialogueId;
      const stored = await storedStart(deps, dialogueId);
      if (stored) return replay(stored, hooks);
      retry = true;
    }
  }
  const maxActive = deps.maxActiveDialogues ?? 0;
  // A cheap early refusal before any AI call; the store's atomic check at create is the one that counts.
  // Not for a retry: the first request may create this very dialogue meanwhile, and must not count against it.
  if (!retry && maxActive > 0 && (await deps.store.activeDialogues(cmd.playerId)) >= maxActive) {
    throw tooMany(maxActive);
  }
  hooks.onAccepted?.({ dialogueId, characterId: character.id, goalId: goal.id, strategyId: strategy.id });

  // The character as this player meets it again: opinion and mood from their relationship, and what it recalls.
  const met = deps.memory ? await deps.memory.startingPoint(cmd.playerId, character, goal.description) : null;
  const asMet = met ? characterAsMet(character, met.opinion, met.mood) : character;
  const brief = characterBrief(asMet);
  const seed = seedFor(dialogueId, 0);
  const aiOptions = { signal, traceparent: cmd.traceparent };
  const common = { dialogueId, seed, character: brief, goal: goalBrief(goal) };
  let greetingText: string | undefined;
  const recall = met?.recall ? { recall: met.recall } : {};
  for await (const event of deps.ai.stream(
    'dialogue.reply',
    { ...common, strategy, goalProgress: 0, history: [], ...recall },
    aiOptions,
  )) {
    if (event.type === 'delta') hooks.onDelta?.(event.text);
    else greetingText = event.output.text;
  }
  if (greetingText === undefined) throw new Aborted('the greeting stream ended early');
  const options = await deps.ai.run(
    'dialogue.options',
    {
      ...common,
      strategies: goal.strategies,
      history: [{ seq: 0, speaker: 'character', text: greetingText, at: deps.now().toISOString() }],
      count: 3,
    },
    aiOptions,
  );
  if (signal?.aborted) throw new Aborted('the player left before the dialogue started');

  const started = startDialogue({
    id: dialogueId,
    playerId: cmd.playerId,
    character: asMet,
    goal,
    strategy,
    greetingText,
    options: numberOptions(options.output.options, goal),
    ctx: { source: deps.source, now: deps.now(), traceparent: cmd.traceparent },
  });
  const created = await deps.store.create(started.state, started.greeting, started.events, {
    maxActivePerPlayer: maxActive,
  });
  if (!created.ok && created.reason === 'limit') throw tooMany(maxActive);
  if (!created.ok) {
    // A concurrent request with the same key created it first: answer what is stored, not this run's text.
    const stored = await storedStart(deps, dialogueId);
    if (!stored) throw new DialogueEnded(`dialogue ${dialogueId} has ended`);
    return stored;
  }
  deps.metrics?.dialogueStarted(started.state.characterId);
  if (met) await deps.memory!.markRecalled(cmd.playerId, character.id, met.recalledIds);
  await deps.relay.flush(dialogueId);
  return { dialogue: started.state, greeting: started.greeting, options: started.state.options };
}

/**
 * A claimed dialogue as it is stored: its state now and its greeting (the transcript's first turn); null
 * when it was never created. An ended one is `DialogueEnded`, since its key cannot start it again.
 */
async function storedStart(deps: Pick<DialogueDeps, 'store'>, dialogueId: string): Promise<StartAnswer | null> {
  const state = await deps.store.load(dialogueId);
  if (!state) {
    if (await deps.store.outcome(dialogueId)) throw new DialogueEnded(`dialogue ${dialogueId} has ended`);
    return null;
  }
  const [greeting] = await deps.store.transcript(dialogueId);
  if (!greeting) return null;
  return { dialogue: state, greeting, options: state.options };
}

/** A replayed start narrated as a fresh one: accepted, the whole greeting as one delta, then the final events. */
function replay(stored: StartAnswer, hooks: StartHooks): StartAnswer {
  const { dialogue } = stored;
  hooks.onAccepted?.({
    dialogueId: dialogue.id,
    characterId: dialogue.characterId,
    goalId: dialogue.goalId,
    strategyId: dialogue.strategyId,
  });
  hooks.onDelta?.(stored.greeting.text);
  return stored;
}

/** The request an idempotency key stands for: the parsed body in a fixed field order. */
function canonicalStartRequest(cmd: StartCommand): string {
  return JSON.stringify([cmd.characterId, cmd.goalId, cmd.strategyId ?? null]);
}

function tooMany(maxActive: number): TooManyDialogues {
  return new TooManyDialogues(`you already have ${maxActive} active dialogues: end one to start another`, {
    details: { maxActiveDialogues: maxActive },
  });
}
