/**
 * The playground page in a real browser (Debian's chromium driven by playwright-core, a 1280x800
 * window), served by the real standalone bundle: a whole dialogue is played; the reply is seen
 * growing, the transcript keeps its newest line in view, the chart (with axes) gains a point per
 * turn, a reload resumes the dialogue as the same player, status and outcome sit above the fold,
 * the side panel lists this player's CloudEvents newest first with payloads, and a server that stops
 * answering is reported as down. Screenshots of each step go to test-artifacts/playground/ (not committed).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT, buildStandalone, startStandalone } from '../support/standalone-process';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts', 'playground');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`SKIP browser tests: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run does)`);
const maybe = haveChromium ? describe : describe.skip;

maybe('playground in chromium', () => {
  let server: Awaited<ReturnType<typeof startStandalone>>;
  let browser: BrowserContext;
  let page: Page;
  let profile: string;
  const external: string[] = [];
  let playerId = '';

  beforeAll(async () => {
    buildStandalone();
    // Slow enough chunks that the page renders partial replies between them.
    server = await startStandalone({ SCRIPTED_CHUNK_DELAY_MS: '40' });
    profile = mkdtempSync(join(tmpdir(), 'parley-chromium-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    // A fresh profile (--user-data-dir): playwright takes it as the persistent context's folder.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      viewport: { width: 1280, height: 800 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('request', (req) => {
      if (!req.url().startsWith(server.url) && !req.url().startsWith('data:')) external.push(req.url());
    });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** Records every text the streaming reply shows, from now on, in the page. */
  async function recordStreaming() {
    await page.evaluate(() => {
      const w = window as unknown as { __seen: string[] };
      w.__seen = [];
      const observer = new MutationObserver(() => {
        const el = document.querySelector('[data-testid="streaming-reply"]');
        const text = el?.textContent ?? '';
        if (el && text && w.__seen[w.__seen.length - 1] !== text) w.__seen.push(text);
      });
      observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    });
  }
  const seenTexts = () => page.evaluate(() => (window as unknown as { __seen: string[] }).__seen);
  const chartPoints = async () => Number(await page.getByTestId('course-chart').getAttribute('data-points'));
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  /** True when the element lies wholly inside the first 800 px of the page (no scrolling). */
  const aboveTheFold = async (testId: string) => {
    const box = await page.getByTestId(testId).boundingBox();
    const scrollY = await page.evaluate(() => window.scrollY);
    return box !== null && box.y + scrollY >= 0 && box.y + scrollY + box.height <= 800;
  };
  /** The transcript box scrolled to its end: the newest line is in view. */
  const transcriptAtBottom = () =>
    page.getByTestId('transcript').evaluate((el) => ({
      overflows: el.scrollHeight > el.clientHeight + 1,
      atBottom: el.scrollTop + el.clientHeight >= el.scrollHeight - 2,
    }));

  test('a whole dialogue through the page', async () => {
    // npm start says where to go.
    expect(server.output()).toContain(`Parley is running: open http://localhost:${new URL(server.url).port}/`);
    await page.goto(server.url + '/');
    playerId = ((await page.getByTestId('player-id').textContent()) ?? '').replace('Playing as ', '').trim();
    expect(playerId).toMatch(/^pg-[0-9a-f]{12}$/);
    await page.getByLabel('Character', { exact: true }).selectOption('innkeeper-mara');
    // The character sheet shows what a player may know, never the persona.
    await expect(page.getByTestId('character-sheet').textContent()).resolves.toContain('Mara Thistledown');
    const mara = (await (await fetch(`${server.url}/v1/characters/innkeeper-mara`)).json()) as {
      character: { blurb?: string };
    };
    expect(mara.character.blurb).toBeTruthy();
    expect(await page.getByTestId('blurb').textContent()).toBe(mara.character.blurb);
    await page.getByLabel('Goal', { exact: true }).selectOption('learn-rumour');
    // Only the strategies valid for the goal are offered.
    const strategies = await page
      .getByLabel(/^Strategy/)
      .locator('option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(strategies).toEqual(['flatter', 'bribe', 'empathize']);
    await page.getByLabel(/^Strategy/).selectOption('flatter');
    await shot('1-setup');

    await recordStreaming();
    await page.getByRole('button', { name: 'Start dialogue' }).click();
    await page.getByTestId('options').locator('button').first().waitFor();
    expect(await chartPoints()).toBe(1);
    const greeting = (await page.getByTestId('transcript').locator('li.character').first().textContent()) ?? '';
    const greetingPartials = await seenTexts();
    console.log(`greeting: ${greetingPartials.length} partial states before the final text`);
    await shot('2-started');

    // Turn 1 by a suggested option: the reply is seen growing before its final text.
    await recordStreaming();
    await page.getByTestId('options').locator('button').first().click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="transcript"] li.character').length === 2);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="course-chart"]')?.getAttribute('data-points') === '2',
    );
    const finalReply = (
      (await page.getByTestId('transcript').locator('li.character').nth(1).textContent()) ?? ''
    ).replace(/^[^:]*:\s*/, '');
    const partials = await seenTexts();
    console.log(`turn 1: ${partials.length} partial states, final reply ${finalReply.length} chars`);
    const strictPrefixes = partials.filter((p) => p.length < finalReply.length && finalReply.startsWith(p.trimEnd()));
    expect(strictPrefixes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(strictPrefixes).size).toBe(strictPrefixes.length);
    await shot('3-turn-1');

    // A reload resumes the same dialogue as the same player: transcript, standing and options.
    const linesBefore = await page.getByTestId('transcript').locator('li').allTextContents();
    await page.reload();
    await page.getByTestId('options').locator('button').first().waitFor();
    expect((await page.getByTestId('player-id').textContent()) ?? '').toContain(playerId);
    expect(await page.getByTestId('transcript').locator('li').allTextContents()).toEqual(linesBefore);
    expect(await page.getByTestId('dialogue-status').textContent()).toBe('active, turn 1');
    await shot('4-reloaded');

    // Turns 2 and 3 by free text, sent from the keyboard; the transcript follows the newest line.
    for (const [turn, line] of [
      [2, 'Your stew is famous from here to the coast.'],
      [3, 'And your ale is the finest I have tasted in years, truly.'],
    ] as const) {
      await page.getByLabel(/^Or say something/).fill(line);
      await page.getByLabel(/^Or say something/).press('Tab');
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        (n) => document.querySelector('[data-testid="dialogue-status"]')?.textContent === `active, turn ${n}`,
        turn,
      );
    }
    expect(await page.getByTestId('transcript').locator('li.player').count()).toBe(3);
    expect(await transcriptAtBottom()).toEqual({ overflows: true, atBottom: true });
    // The chart has labelled axes: one tick per point on the turn axis, the ranges in the legend.
    expect(await page.getByTestId('x-tick').allTextContents()).toEqual(['1', '2', '3']);
    expect(await page.getByTestId('x-axis').textContent()).toContain('turn');
    expect(await page.getByTestId('y-axis').textContent()).toContain('value in its range');
    expect(await page.locator('.legend').textContent()).toMatch(
      /goal progress \(0 … 100%\).*opinion of you \(-100 … 100\).*mood valence \(-1 … 1\)/,
    );
    expect(await page.getByTestId('stats').textContent()).toMatch(
      /Mood.*valence -?\d\.\d\d.*\(-1 unhappy … 1 happy\).*Opinion of you.*\(-100 … 100\).*Goal progress\d+%/,
    );
    expect(await aboveTheFold('status')).toBe(true);
    await shot('5-turn-3');

    await page.getByRole('button', { name: 'End dialogue' }).click();
    const outcome = page.getByTestId('outcome');
    await outcome.waitFor();
    expect(await outcome.textContent()).toMatch(/Outcome: goal (achieved|not achieved)/);
    expect(await outcome.textContent()).toMatch(/3 turns/);
    expect(await page.getByTestId('dialogue-status').textContent()).toMatch(/^ended: goal (achieved|not achieved)$/);
    expect(await aboveTheFold('outcome')).toBe(true);

    // The side panel lists this player's CloudEvents, newest first, each with its payload.
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="events"] li[data-type="dialogue.resolve"]').length === 1,
      undefined,
      { timeout: 10_000 },
    );
    const types = await page
      .getByTestId('events')
      .locator('li')
      .evaluateAll((lis) => lis.map((li) => li.getAttribute('data-type')));
    expect(types.filter((t) => t?.startsWith('dialogue.'))).toEqual([
      'dialogue.resolve',
      'dialogue.progress',
      'dialogue.progress',
      'dialogue.progress',
      'dialogue.initiate',
    ]);
    expect(types[0]).toBe('dialogue.resolve');
    expect(types).toContain('analytics.logging');
    const newest = page.getByTestId('events').locator('li').first();
    await newest.locator('summary').click();
    const payload = JSON.parse((await newest.getByTestId('event-data').textContent()) ?? '{}') as {
      playerId?: string;
      turnCount?: number;
    };
    expect(payload).toMatchObject({ playerId, turnCount: 3 });
    await shot('6-outcome');

    expect(greeting.length).toBeGreaterThan(0);
    expect(external).toEqual([]);
  });

  test('the open dialogues: listed, resumed and ended from the page', async () => {
    // Two dialogues this browser's player started elsewhere (say, a crashed tab).
    const headers = { 'content-type': 'application/json', 'x-player-id': playerId };
    const startOne = async (characterId: string, goalId: string) => {
      const res = await fetch(`${server.url}/v1/dialogues`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ characterId, goalId }),
      });
      return ((await res.json()) as { dialogue: { id: string } }).dialogue.id;
    };
    const bram = await startOne('captain-bram', 'pass-gate');
    const ilse = await startOne(
      'scholar-ilse',
      (
        (await (await fetch(`${server.url}/v1/characters/scholar-ilse`)).json()) as {
          character: { goals: Array<{ id: string }> };
        }
      ).character.goals[0]!.id,
    );
    await page.reload();
    const rows = page.getByTestId('open-dialogues').locator('li');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="open-dialogues"] li').length === 2);
    expect((await rows.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-dialogue-id')))).sort()).toEqual(
      [bram, ilse].sort(),
    );

    // Resume one: its transcript and status come on screen.
    await page.locator(`[data-dialogue-id="${bram}"]`).getByRole('button', { name: 'Resume' }).click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="dialogue-status"]')?.textContent === 'active, turn 0',
    );
    expect(await page.getByTestId('transcript').locator('li.character').count()).toBe(1);
    await expect(page.locator(`[data-dialogue-id="${bram}"]`).textContent()).resolves.toContain('(on screen)');
    await shot('7-open-dialogues');

    // End the other from the list: it leaves the list and the server's list.
    await page.locator(`[data-dialogue-id="${ilse}"]`).getByRole('button', { name: 'End' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="open-dialogues"] li').length === 1);
    const listed = (await (await fetch(`${server.url}/v1/dialogues?status=active`, { headers })).json()) as {
      dialogues: Array<{ id: string }>;
    };
    expect(listed.dialogues.map((d) => d.id)).toEqual([bram]);
    // And the one on screen: its outcome shows.
    await page.locator(`[data-dialogue-id="${bram}"]`).getByRole('button', { name: 'End' }).click();
    await page.getByTestId('outcome').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="open-dialogues"] li').length === 0);
  });

  test('a character who runs out of patience ends the dialogue, and the page shows patience, the lost goal and the ending', async () => {
    await page.goto(server.url + '/');
    await page.getByLabel('Character', { exact: true }).selectOption('captain-bram');
    await page.getByLabel('Goal', { exact: true }).selectOption('pass-gate');
    await page.getByLabel(/^Strategy/).selectOption('persuade');
    await page.getByRole('button', { name: 'Start dialogue' }).click();
    await page.getByTestId('options').locator('button').first().waitFor();
    const patienceAtStart = Number(await page.getByTestId('patience').textContent());
    expect(patienceAtStart).toBeGreaterThan(0);
    expect(await page.getByTestId('goal-standing').textContent()).toBe('open');
    const insults = [
      'You are a worthless coward.',
      'Stupid old fool, open the gate.',
      'What an idiot you are.',
      'You disgust me, you stupid man.',
    ];
    for (const [i, line] of insults.entries()) {
      await page.getByLabel(/^Or say something/).fill(line);
      await page.getByRole('button', { name: 'Say it' }).click();
      await page.waitForFunction(
        (n) =>
          /^(active, turn|ended)/.test(document.querySelector('[data-testid="dialogue-status"]')?.textContent ?? '') &&
          document.querySelectorAll('[data-testid="transcript"] li.player').length === n &&
          !document.querySelector('.streaming'),
        i + 1,
      );
      if ((await page.getByTestId('dialogue-status').textContent())?.startsWith('ended')) break;
      expect(Number(await page.getByTestId('patience').textContent())).toBeLessThan(patienceAtStart);
    }
    await page.getByTestId('outcome').waitFor();
    expect(await page.getByTestId('dialogue-status').textContent()).toBe('ended by the character: goal not achieved');
    expect(await page.getByTestId('character-ended').textContent()).toBe('Captain Bram Holloway ended the dialogue');
    expect(await page.getByTestId('goal-standing').textContent()).toMatch(/^lost/);
    expect(await page.getByTestId('patience').textContent()).toBe('0');
    expect(await page.getByLabel('Why it changed').textContent()).toMatch(/insult.*run out of patience/);
    await shot('8-shown-the-door');
    await page.getByRole('button', { name: 'New dialogue' }).click();
  });

  test("another player's events never reach this page", async () => {
    // Another player plays through the API; this page's panel must not list its dialogue.
    const headers = { 'content-type': 'application/json', 'x-player-id': 'someone-else' };
    const res = await fetch(`${server.url}/v1/dialogues`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ characterId: 'captain-bram', goalId: 'pass-gate' }),
    });
    const other = ((await res.json()) as { dialogue: { id: string } }).dialogue.id;
    await fetch(`${server.url}/v1/dialogues/${other}/end`, { method: 'POST', headers, body: '{}' });
    // The panel polls every second; a fresh page load reads the whole feed again from position 0.
    await page.reload();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="events"] li[data-type="dialogue.resolve"]').length >= 1,
      undefined,
      { timeout: 10_000 },
    );
    const payloads = await page.getByTestId('events').locator('[data-testid="event-data"]').allTextContents();
    expect(payloads.length).toBeGreaterThan(0);
    expect(payloads.join('\n')).not.toContain(other);
  });

  test('a server that stops answering is reported as down', async () => {
    await server.close();
    await page.getByTestId('server-down').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('server-down').textContent()).toMatch(
      /^Server down: Parley at http:\/\/127\.0\.0\.1:\d+ is not answering/,
    );
    expect(await page.getByTestId('events-down').textContent()).toContain('Server down');
    await shot('8-server-down');
  });
});
