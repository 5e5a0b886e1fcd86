import { randomUUID } from 'node:crypto';
import {
  CharacterSchema,
  eventSource,
  numberOptions,
  startDialogue,
  type AiTaskName,
  type CharacterCatalog,
  type ParleyEvent,
  type DialogueDeps,
  type AiClient,
  type DialogueStore,
  runTurnSteps,
} from '@parley/shared';
import {
  InMemoryCharacterCatalog,
  createLogger,
  ScriptedProvider,
  AiGateway,
  OutboxRelay,
} from '@parley/shared/composition';
import { InMemoryDialogueStore, InProcessEventBus } from '@parley/shared/testing';
import { smithOdo } from './smith-odo';

/**
 * What the dialogue use cases depend on, with in-memory adapters only (no Redis, no RabbitMQ, no
 * network): the in-memory store on a clock the test can move (`advance`), an in-process bus whose
 * events the test reads, the outbox relay, the real AI gateway on the scripted provider (unless the
 * test passes its own AiClient) and a catalog (Odo the Smith unless the test passes one).
 */
export function inMemoryDialogue(
  options: {
    /** A store, or a factory given the kit's clock (in ms) for a store whose time `advance` moves. */
    store?: DialogueStore | ((now: () => number) => DialogueStore);
    ai?: AiClient;
    /** Wraps the AI client the use cases get (the scripted gateway, or `ai`): to hold, fail or watch a call. */
    wrapAi?: (ai: AiClient) => AiClient;
    catalog?: CharacterCatalog;
    chunkDelayMs?: number;
    turnLockMs?: number;
    maxActiveDialogues?: number;
  } = {},
) {
  const logger = createLogger('test', 'silent');
  let offsetMs = 0;
  const clock = () => Date.now() + offsetMs;
  const store =
    typeof options.store === 'function'
      ? options.store(clock)
      : (options.store ?? new InMemoryDialogueStore({ ttlSeconds: 3600, now: clock }));
  const bus = new InProcessEventBus();
  const events: ParleyEvent[] = [];
  bus.subscribe(async (event) => {
    events.push(event);
  });
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  const inner =
    options.ai ??
    new AiGateway({
      provider: new ScriptedProvider({ chunkDelayMs }),
      fallback: new ScriptedProvider({ chunkDelayMs: 0 }),
      publisher: bus,
      source: eventSource('ai-generate'),
      logger,
    });
  const ai = options.wrapAi ? options.wrapAi(inner) : inner;
  const catalog = options.catalog ?? new InMemoryCharacterCatalog([CharacterSchema.parse(smithOdo())]);
  const relay = new OutboxRelay({ store, publisher: bus, logger });
  const deps = (functionName: string): DialogueDeps => ({
    store,
    ai,
    catalog,
    relay,
    source: eventSource(functionName),
    now: () => new Date(clock()),
    newId: randomUUID,
    turnLockMs: options.turnLockMs ?? 10_000,
    ...(options.maxActiveDialogues === undefined ? {} : { maxActiveDialogues: options.maxActiveDialogues }),
  });
  return {
    store,
    bus,
    events,
    ai,
    logger,
    deps,
    /** The dialogue events published so far (the AI gateway's analytics left out). */
    dialogueEvents: (dialogueId?: string) =>
      events.filter((e) => e.type !== 'analytics.logging' && (dialogueId === undefined || e.subject === dialogueId)),
    /** Move the store's and the use cases' clock forward (locks and idle deadlines expire). */
    advance(ms: number) {
      offsetMs += ms;
    },
    /**
     * A live dialogue made by the pure domain and written to the store, as `start` would leave it
     * (without an AI call): its first character's first goal and strategy, two offered options.
     */
    async seedDialogue(playerId = 'player-1') {
      const character = catalog.list()[0]!;
      const goal = character.goals[0]!;
      const strategy = goal.strategies[0]!;
      const options = numberOptions(
        goal.strategies.map((s) => ({ text: `Try to ${s.description.toLowerCase()}.`, strategyId: s.id })),
        goal,
      );
      const started = startDialogue({
        id: randomUUID(),
        playerId,
        character,
        goal,
        strategy,
        greetingText: character.greeting,
        options,
        ctx: { source: eventSource('dialogue-start'), now: new Date(clock()) },
      });
      const created = await store.create(started.state, started.greeting, started.events);
      if (!created.ok) throw new Error('seedDialogue: the store refused the dialogue');
      await relay.flush(started.state.id);
      return started.state;
    },
  };
}

/** `inner` with `before(task)` awaited ahead of every call: to hold a call at a gate, fail it, or count it. */
export function aiWithHook(inner: AiClient, before: (task: AiTaskName) => void | Promise<void>): AiClient {
  return {
    async run(task, input, options) {
      await before(task);
      return inner.run(task, input, options);
    },
    async *stream(task, input, options) {
      await before(task);
      yield* inner.stream(task, input, options);
    },
    // The turn's steps go through the hooked calls above, as the in-process gateway runs them.
    turn(input, options) {
      return runTurnSteps(this, input, options);
    },
    ping: () => inner.ping(),
  };
}

/** A point a use case stops at until the test opens it; `reached` resolves when it is waiting there. */
export function gate() {
  let open!: () => void;
  let arrive!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  return {
    reached,
    open,
    async pass(): Promise<void> {
      arrive();
      await opened;
    },
  };
}
