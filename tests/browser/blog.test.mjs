// The mobile blog in Debian's Chromium at a phone's size (360×640): a friend opens a
// blog link from the IM client, lands signed in on the clean URL, opens a friends-only
// clip and it plays. scripts/browser-test.sh starts the service and seeds it, then passes:
//   IMSHARE_URL   the service, e.g. http://127.0.0.1:18080
//   BLOG_LINK     bob's signed link to alice's blog
//   CLIP_TITLE    the title of alice's friends-only clip, ready to play
//   SCREENSHOTS   where to write home.png, blog.png, friends.png and clip.png
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { base, launchChromium } from './common.mjs';

const link = process.env.BLOG_LINK;
const clipTitle = process.env.CLIP_TITLE;
const shots = process.env.SCREENSHOTS ?? 'screenshots';
mkdirSync(shots, { recursive: true });

let browser;
let page;
const cspViolations = [];

before(async () => {
  assert.ok(base && link && clipTitle, 'run through scripts/browser-test.sh, which sets IMSHARE_URL, BLOG_LINK and CLIP_TITLE');
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 360, height: 640 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  page = await context.newPage();
  page.on('console', (msg) => {
    if (/Content.Security.Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
});

after(async () => {
  await browser?.close();
});

/** Fails if the page is wider than the phone's screen. */
async function fitsTheScreen() {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the page is ${width}px wide at a 360px viewport`);
}

test('the home page lists public clips and fits a phone', async () => {
  const res = await page.goto(`${base}/`);
  assert.equal(res.status(), 200);
  assert.match(await page.locator('h1').innerText(), /Clips people share/);
  await page.locator('text=Harbour at noon').first().waitFor();
  assert.equal(await page.locator(`text=${clipTitle}`).count(), 0, 'a friends-only clip is not public');
  await fitsTheScreen();
  await page.screenshot({ path: join(shots, 'home.png'), fullPage: true });
});

test('a blog link signs in and lands on the clean URL', async () => {
  const res = await page.goto(link);
  assert.equal(res.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/u/alice');
  assert.equal(new URL(page.url()).search, '', 'the token has left the address bar');
  const session = (await page.context().cookies()).find((c) => c.name === 'imshare_session');
  assert.ok(session, 'a session cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Lax');
  await page.locator(`text=${clipTitle}`).first().waitFor();
  await page.locator('img[src*="poster.jpg"]').first().waitFor();
  // The element is there before its bytes are: wait for every image to finish loading.
  const posterLoaded = await page
    .waitForFunction(() => [...document.images].every((img) => img.complete && img.naturalWidth > 0), null, { timeout: 10000 })
    .then(() => true, () => false);
  assert.ok(posterLoaded, 'posters load straight from the store');
  await fitsTheScreen();
  await page.screenshot({ path: join(shots, 'blog.png'), fullPage: true });
});

test('the friend list leads to a friend\'s blog', async () => {
  await page.goto(`${base}/friends`);
  await fitsTheScreen();
  await page.screenshot({ path: join(shots, 'friends.png'), fullPage: true });
  await page.locator('text=Alice Liddell').click();
  await page.waitForURL(/\/u\/alice$/);
});

test('a friends-only clip plays in the page', async () => {
  await page.locator(`text=${clipTitle}`).first().click();
  await page.waitForURL(/\/m\//);
  const video = page.locator('video');
  await video.waitFor();
  const started = await video.evaluate(async (v) => {
    v.muted = true;
    await v.play();
    return v.currentSrc;
  });
  await page.waitForFunction(() => document.querySelector('video').currentTime > 1, null, { timeout: 20_000 });
  const state = await video.evaluate((v) => ({ time: v.currentTime, width: v.videoWidth, error: v.error?.code ?? null }));
  assert.equal(state.error, null);
  assert.ok(state.width > 0, 'frames were decoded');
  console.log(`playing ${started.includes('.m3u8') ? 'HLS' : 'MP4'} at ${state.time.toFixed(2)} s`);
  await video.evaluate((v) => v.pause());
  await fitsTheScreen();
  await page.screenshot({ path: join(shots, 'clip.png'), fullPage: true });
});

test('no page broke its Content-Security-Policy', () => {
  assert.deepEqual(cspViolations, []);
});
