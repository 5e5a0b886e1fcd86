/**
 * The playground page in a real browser (Debian's chromium driven by playwright-core), served by
 * the real standalone bundle: a whole dialogue is played; the reply is seen growing, the chart
 * gains a point per turn, the outcome appears, and the side panel lists the CloudEvents.
 * Screenshots of each step go to test-artifacts/playground/ (not committed).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT, buildStandalone, startStandalone } from '../support/standalone-process';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts', 'playground');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`SKIP browser tests: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run does)`);
const maybe = haveChromium ? describe : describe.skip;

maybe('playground in chromium', () => {
  let server: Awaited<ReturnType<typeof startStandalone>>;
  let browser: BrowserContext;
  let page: Page;
  let profile: string;
  const external: string[] = [];

  beforeAll(async () => {
    buildStandalone();
    // Slow enough chunks that the page renders partial replies between them.
    server = await startStandalone({ SCRIPTED_CHUNK_DELAY_MS: '40' });
    profile = mkdtempSync(join(tmpdir(), 'parley-chromium-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    // A fresh profile (--user-data-dir): playwright takes it as the persistent context's folder.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      viewport: { width: 1280, height: 1000 },
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

  test('a whole dialogue through the page', async () => {
    await page.goto(server.url + '/');
    await page.getByLabel('Character', { exact: true }).selectOption('innkeeper-mara');
    await page.getByLabel('Goal', { exact: true }).selectOption('learn-rumour');
    // Only the strategies valid for the goal are offered.
    const strategies = await page.getByLabel(/^Strategy/).locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
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
    await page.waitForFunction(() => document.querySelector('[data-testid="course-chart"]')?.getAttribute('data-points') === '2');
    const finalReply = ((await page.getByTestId('transcript').locator('li.character').nth(1).textContent()) ?? '').replace(/^[^:]*:\s*/, '');
    const partials = await seenTexts();
    console.log(`turn 1: ${partials.length} partial states, final reply ${finalReply.length} chars`);
    const strictPrefixes = partials.filter((p) => p.length < finalReply.length && finalReply.startsWith(p.trimEnd()));
    expect(strictPrefixes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(strictPrefixes).size).toBe(strictPrefixes.length);
    await shot('3-turn-1');

    // Turn 2 by free text, sent from the keyboard.
    await page.getByLabel(/^Or say something/).fill('Your stew is famous from here to the coast.');
    await page.getByLabel(/^Or say something/).press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid="course-chart"]')?.getAttribute('data-points') === '3');
    expect(await page.getByTestId('transcript').locator('li.player').count()).toBe(2);
    await shot('4-turn-2');

    await page.getByRole('button', { name: 'End dialogue' }).click();
    const outcome = page.getByTestId('outcome');
    await outcome.waitFor();
    expect(await outcome.textContent()).toMatch(/Outcome: goal (achieved|not achieved)/);
    expect(await outcome.textContent()).toMatch(/2 turns/);

    // The side panel lists the CloudEvents emitted (polled once a second).
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="events"] li[data-type="dialogue.resolve"]').length === 1, undefined, { timeout: 10_000 });
    const types = await page.getByTestId('events').locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-type')));
    expect(types.filter((t) => t === 'dialogue.progress')).toHaveLength(2);
    expect(types).toContain('dialogue.initiate');
    expect(types).toContain('analytics.logging');
    await shot('5-outcome');

    expect(greeting.length).toBeGreaterThan(0);
    expect(external).toEqual([]);
  });
});
