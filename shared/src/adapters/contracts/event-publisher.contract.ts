import { CharacterSchema } from '../../domain/character';
import type { DialogueState } from '../../domain/dialogue';
import { buildEvent, eventSource, type ParleyEvent } from '../../domain/events';
import {
  applyTurn,
  chooseGoalAndStrategy,
  endDialogue,
  startDialogue,
  type EventContext,
} from '../../domain/transitions';
import type { EventPublisher } from '../../ports/event-publisher';

/** What each adapter's test gives the contract: the publisher and a view of the far side. */
export type EventPublisherHarness = {
  publisher: EventPublisher;
  /** Every event the far side has received so far, in arrival order. */
  received: () => Promise<ParleyEvent[]>;
  cleanup(): Promise<void>;
};

const CHARACTER = CharacterSchema.parse({
  id: 'contract-keeper',
  name: 'Keeper of Contracts',
  persona: 'A clerk who reads every clause twice.',
  greeting: 'State your business.',
  traits: { honesty: 0.9, courage: 0.3 },
  baselineMood: { emotion: 'calm', intensity: 0.3, valence: 0.1 },
  opinions: { player: 5 },
  goals: [
    {
      id: 'get-stamp',
      description: 'Get the permit stamped',
      successHint: 'The clerk stamps the permit',
      strategies: [{ id: 'persuade', description: 'Argue the papers are in order' }],
    },
  ],
});
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/**
 * A dialogue's events built by the real transitions (initiate, `turns` x progress, resolve), then
 * one analytics event: the same shapes the functions emit.
 */
export function sampleDialogueEvents(
  dialogueId: string,
  turns = 1,
  start = new Date('2025-03-01T10:00:00.000Z'),
): ParleyEvent[] {
  let clock = start.getTime();
  const ctx = (fn: string): EventContext => ({
    source: eventSource(fn),
    now: new Date((clock += 1500)),
    traceparent: TRACEPARENT,
  });
  const { goal, strategy } = chooseGoalAndStrategy(CHARACTER, 'get-stamp');
  const started = startDialogue({
    id: dialogueId,
    playerId: 'player-1',
    character: CHARACTER,
    goal,
    strategy,
    greetingText: CHARACTER.greeting,
    options: [{ id: 'opt-1', text: 'My papers are in order.', strategyId: 'persuade' }],
    ctx: ctx('dialogue-start'),
  });
  const events = [...started.events];
  let state: DialogueState = started.state;
  for (let i = 1; i <= turns; i++) {
    const turn = applyTurn(
      state,
      {
        playerText: `Clause ${i} is satisfied, see?`,
        strategyId: 'persuade',
        optionId: 'opt-1',
        replyText: `Clause ${i}... fine.`,
        appraisal: {
          emotion: 'pleased',
          intensity: 0.4,
          valence: 0.3,
          opinionDelta: 4,
          goalProgressDelta: 0.1,
          reasons: ['the papers check out'],
        },
        nextOptions: [{ id: 'opt-1', text: 'And the next clause?', strategyId: 'persuade' }],
      },
      ctx('dialogue-message'),
    );
    state = turn.state;
    events.push(...turn.events);
  }
  events.push(
    ...endDialogue(
      state,
      { character: CHARACTER, summary: 'The permit was stamped.', endedBy: 'player' },
      ctx('dialogue-end'),
    ).events,
  );
  events.push(
    buildEvent({
      id: `${dialogueId}.ai.1`,
      type: 'analytics.logging',
      source: eventSource('ai-generate'),
      subject: dialogueId,
      time: new Date((clock += 10)).toISOString(),
      data: {
        task: 'dialogue.reply',
        provider: 'scripted',
        model: 'scripted-1',
        latencyMs: 12.5,
        tokens: { prompt: 120, completion: 30, total: 150 },
        ok: true,
        fallback: false,
        dialogueId,
        characterId: CHARACTER.id,
      },
    }),
  );
  return events;
}

/** Polls the far side until it holds `count` events; fails with what arrived when it never does. */
async function receivedAtLeast(
  harness: EventPublisherHarness,
  count: number,
  deadlineMs = 10_000,
): Promise<ParleyEvent[]> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const received = await harness.received();
    if (received.length >= count || Date.now() > deadline) return received;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * What every `EventPublisher` guarantees (ports/event-publisher.ts), run against each adapter:
 * events arrive in the order given with every attribute intact, an empty publish sends nothing,
 * and a long batch keeps its order.
 */
export function describeEventPublisherContract(name: string, makeHarness: () => Promise<EventPublisherHarness>): void {
  describe(`EventPublisher contract: ${name}`, () => {
    let harness: EventPublisherHarness;
    let dialogueId: string;
    let n = 0;

    beforeEach(async () => {
      harness = await makeHarness();
      dialogueId = `0b9c5a52-0000-4000-8000-${String(++n).padStart(12, '0')}`;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('delivers each event type in order with every attribute and the data intact', async () => {
      const events = sampleDialogueEvents(dialogueId);
      expect(events.map((e) => e.type)).toEqual([
        'dialogue.initiate',
        'dialogue.progress',
        'dialogue.resolve',
        'analytics.logging',
      ]);

      await harness.publisher.publish(events);

      const received = await receivedAtLeast(harness, events.length);
      expect(received).toStrictEqual(events);
      // The fields the contract cares about are really present, not just equally absent.
      for (const event of received.slice(0, 3)) {
        expect(event).toMatchObject({
          subject: dialogueId,
          datacontenttype: 'application/json',
          traceparent: TRACEPARENT,
        });
        expect(typeof event.sequence).toBe('number');
      }
      expect(received.map((e) => e.sequence)).toEqual([0, 1, 2, undefined]);
    });

    it('treats an empty publish as a no-op', async () => {
      await harness.publisher.publish([]);
      const marker = sampleDialogueEvents(dialogueId).at(-1)!;
      await harness.publisher.publish([marker]);

      // Whatever the empty publish could have sent would have arrived before the marker.
      const received = await receivedAtLeast(harness, 1);
      expect(received).toStrictEqual([marker]);
    });

    it('keeps the order of a long batch', async () => {
      const events = sampleDialogueEvents(dialogueId, 198);
      expect(events).toHaveLength(201);

      await harness.publisher.publish(events);

      const received = await receivedAtLeast(harness, events.length);
      expect(received.map((e) => e.id)).toEqual(events.map((e) => e.id));
      expect(received).toStrictEqual(events);
    });

    it('keeps the order across consecutive publishes', async () => {
      const events = sampleDialogueEvents(dialogueId, 3);
      for (const event of events) await harness.publisher.publish([event]);

      const received = await receivedAtLeast(harness, events.length);
      expect(received.map((e) => e.id)).toEqual(events.map((e) => e.id));
    });

    it('answers ping', async () => {
      await expect(harness.publisher.ping()).resolves.toBeUndefined();
    });
  });
}
