// The group page (/g/{id}) in Debian's Chromium: two members, each in their own browser
// context and signed in through /login, open the page and see each other's messages and
// presence live over the WebSocket. scripts/browser-test.sh starts the service, seeds a
// group of alice and bob (friends), then passes:
//   IMSHARE_URL   the service, e.g. http://127.0.0.1:18080
//   GROUP_ID      the group's id
//   SCREENSHOTS   where to write group-alice.png and group-bob.png
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { base, launchChromium } from './common.mjs';

const groupId = process.env.GROUP_ID;
const shots = process.env.SCREENSHOTS ?? 'screenshots';
mkdirSync(shots, { recursive: true });
const LIVE = 5_000;

let browser;
const pages = {};
const problems = [];

/** A fresh browser context signed in as `username` through the form, on the group page. */
async function member(username) {
  const context = await browser.newContext({ viewport: { width: 360, height: 640 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (/Content.Security.Policy/i.test(msg.text())) problems.push(`${username}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`${username}: ${err.message}`));
  await page.goto(`${base}/login?next=/g/${groupId}`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', `${username}-password`);
  await page.click('form.stack button');
  await page.waitForURL(new RegExp(`/g/${groupId}$`));
  await page.waitForFunction(() => document.getElementById('live-status').textContent === 'Live', null, { timeout: LIVE });
  return page;
}

/** Types `text` into the send box and sends it. */
async function send(page, text) {
  await page.fill('#body', text);
  await page.click('#send button');
}

/** Waits until a message with exactly this body, from `from`, is in the page's list. */
async function sees(page, from, text) {
  await page.waitForFunction(([f, t]) => [...document.querySelectorAll('#messages li')].some(
    (li) => li.querySelector('b')?.textContent === f && li.querySelector('.body')?.textContent === t,
  ), [from, text], { timeout: LIVE });
}

before(async () => {
  assert.ok(base && groupId, 'run through scripts/browser-test.sh, which sets IMSHARE_URL and GROUP_ID');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

test('two members open the group page and go live', async () => {
  pages.alice = await member('alice');
  pages.bob = await member('bob');
  // Bob came online after Alice loaded the page: she hears it as a presence event.
  await pages.alice.waitForFunction(() => [...document.querySelectorAll('#members li')].some(
    (li) => li.textContent.includes('@bob') && li.querySelector('.presence')?.dataset.status === 'online',
  ), null, { timeout: LIVE });
});

test('messages typed in one browser appear in the other within seconds', async () => {
  const started = Date.now();
  await send(pages.alice, 'Rehearsal at eight?');
  await sees(pages.bob, 'Alice Liddell', 'Rehearsal at eight?');
  const hop = Date.now() - started;
  await send(pages.bob, 'Yes! <b>bring</b> the amp & cables');
  await sees(pages.alice, 'Bob', 'Yes! <b>bring</b> the amp & cables');
  await sees(pages.bob, 'Bob', 'Yes! <b>bring</b> the amp & cables');
  console.log(`alice → bob in ${hop} ms`);
  assert.equal(await pages.alice.locator('#messages .body b').count(), 0, 'user text is shown as text');
  for (const name of ['alice', 'bob']) {
    await pages[name].screenshot({ path: join(shots, `group-${name}.png`), fullPage: true });
  }
});

test('a reload shows the same history, rendered by the server', async () => {
  await pages.bob.reload();
  await sees(pages.bob, 'Alice Liddell', 'Rehearsal at eight?');
  const seqs = await pages.bob.$$eval('#messages li', (lis) => lis.map((li) => Number(li.dataset.seq)));
  assert.deepEqual(seqs, [1, 2]);
});

test('no page broke its Content-Security-Policy or threw', () => {
  assert.deepEqual(problems, []);
});
