import {
  Aborted,
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
} from '@parley/shared';

export type StartCommand = {
  playerId: string;
  characterId: string;
  goalId: string;
  strategyId?: string | undefined;
  traceparent?: string | undefined;
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

/**
 * Start a dialogue: check goal and strategy against the character, let the character greet the
 * player (streamed), propose options, then create the state and announce `dialogue.initiate`.
 */
export async function start(deps: DialogueDeps, cmd: StartCommand, hooks: StartHooks = {}, signal?: AbortSignal) {
  const character = characterOf(deps.catalog, cmd.characterId);
  const { goal, strategy } = chooseGoalAndStrategy(character, cmd.goalId, cmd.strategyId);
  const maxActive = deps.maxActiveDialogues ?? 0;
  // A cheap early refusal before any AI call; the store's atomic check at create is the one that counts.
  if (maxActive > 0 && (await deps.store.activeDialogues(cmd.playerId)) >= maxActive) throw tooMany(maxActive);
  const dialogueId = deps.newId();
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
  if (!created.ok) throw tooMany(maxActive);
  deps.metrics?.dialogueStarted(started.state.characterId);
  if (met) await deps.memory!.markRecalled(cmd.playerId, character.id, met.recalledIds);
  await deps.relay.flush(dialogueId);
  return { dialogue: started.state, greeting: started.greeting, options: started.state.options };
}

function tooMany(maxActive: number): TooManyDialogues {
  return new TooManyDialogues(`you already have ${maxActive} active dialogues: end one to start another`, {
    details: { maxActiveDialogues: maxActive },
  });
}
