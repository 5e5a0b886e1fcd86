import { Redis } from 'ioredis';
import { RECENT_TURNS_WINDOW } from '@parley/shared';
import { dialogueKeys } from '@parley/shared/composition';
import { startComposedDialogue } from '../support/composed-dialogue';
import { postJson } from '../support/http';
import { flatteringLine } from '../support/player-lines';
import { REDIS_URL } from '../support/redis-test-kit';

const PLAYER = { 'x-player-id': 'long-talker' };
const TURNS = 200;

let system: Awaited<ReturnType<typeof startComposedDialogue>>;
let redis: Redis;
beforeAll(async () => {
  system = await startComposedDialogue();
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await redis.quit();
  await system.close();
});

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

// Sizes, not times: the hot state a turn reads and writes must stay the same size however long the
// dialogue; the history grows only in the transcript list, which a turn never reads.
test(`the state a turn reads and writes does not grow over ${TURNS} turns through the message route`, async () => {
  const started = await postJson(
    `${system.urls.start}/v1/dialogues`,
    { characterId: 'innkeeper-mara', goalId: 'learn-rumour', strategyId: 'flatter' },
    PLAYER,
  );
  expect(started.status).toBe(201);
  const id = started.body.dialogue.id as string;
  const keys = dialogueKeys(system.prefix);
  const stateKey = keys.state(id);
  const stateBytes: number[] = [];
  const answerBytes: number[] = [];
  for (let turn = 1; turn <= TURNS; turn++) {
    const res = await postJson(
      `${system.urls.message}/v1/dialogues/${id}/messages`,
      { messageId: `t${turn}`, text: flatteringLine(turn), strategyId: 'flatter' },
      PLAYER,
    );
    expect(res.status).toBe(200);
    stateBytes.push(await redis.hstrlen(stateKey, 's'));
    answerBytes.push(await redis.strlen(keys.turnResult(id, `t${turn}`)));
  }
  // Once the window is full, early and late turns cost the same (texts vary a little in length).
  const early = stateBytes.slice(RECENT_TURNS_WINDOW, RECENT_TURNS_WINDOW + 30);
  const late = stateBytes.slice(-30);
  console.log(
    `hot state bytes: mean ${Math.round(mean(early))} (turns ${RECENT_TURNS_WINDOW + 1}-${RECENT_TURNS_WINDOW + 30}) vs ${Math.round(mean(late))} (last 30); stored answer ${answerBytes[RECENT_TURNS_WINDOW]} vs ${answerBytes.at(-1)} B`,
  );
  expect(mean(late)).toBeLessThanOrEqual(mean(early) * 1.1);
  expect(Math.max(...late)).toBeLessThanOrEqual(Math.max(...early) * 1.25);
  expect(mean(answerBytes.slice(-30))).toBeLessThanOrEqual(
    mean(answerBytes.slice(RECENT_TURNS_WINDOW, RECENT_TURNS_WINDOW + 30)) * 1.1,
  );
  // The history is all there, outside the hot state.
  expect(await redis.llen(keys.transcript(id))).toBe(2 * TURNS + 1);
  const state = JSON.parse((await redis.hget(stateKey, 's'))!) as { recentTurns: unknown[]; turnCount: number };
  expect(state.turnCount).toBe(TURNS);
  expect(state.recentTurns.length).toBeLessThanOrEqual(RECENT_TURNS_WINDOW);
}, 600_000); // 200 turns in sequence: generous for a busy 2-core machine; the test measures sizes, not time
