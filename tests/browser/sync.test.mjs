// The region sync page (/s/{room}) in Debian's Chromium: alice and bob (friends, seeded by
// scripts/browser-test.sh) each open the room in their own browser context; alice drags a
// box over the shared page and confirms; both views then show that region, the inner frame
// shifted by -x/-y. The shared page is served here on 127.0.0.1, so no outside network is
// touched. Environment:
//   IMSHARE_URL   the service, e.g. http://127.0.0.1:18080
//   SCREENSHOTS   where to write sync-alice.png and sync-bob.png
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { base, launchChromium, api, signIn } from './common.mjs';

const shots = process.env.SCREENSHOTS ?? 'screenshots';
mkdirSync(shots, { recursive: true });
const LIVE = 5_000;

let browser, site, sharedUrl, roomId;
const pages = {};
const problems = [];

/** A tall page that may be framed, with a marker where the region will be. */
const SHARED_PAGE = `<!doctype html><title>shared</title>
<body style="margin:0;width:1500px;height:4000px;background:linear-gradient(#cde,#fed)">
<button id="target" style="position:absolute;left:120px;top:80px">click me</button></body>`;

/** A fresh browser context signed in as `username` through the form, on the sync page. */
async function participant(username) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (/Content.Security.Policy/i.test(msg.text())) problems.push(`${username}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`${username}: ${err.message}`));
  await page.goto(`${base}/login?next=/s/${roomId}`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', `${username}-password`);
  await page.click('form.stack button');
  await page.waitForURL(new RegExp(`/s/${roomId}$`));
  await page.waitForFunction(() => document.getElementById('sync-status').textContent.startsWith('Live'), null, { timeout: LIVE });
  return page;
}

/** The view's box and its inner frame's computed margins. */
const framing = (page) => page.evaluate(() => {
  const view = document.getElementById('sync-view');
  const inner = getComputedStyle(view.querySelector('iframe'));
  return { version: Number(view.dataset.version), width: view.style.width, height: view.style.height,
    marginLeft: inner.marginLeft, marginTop: inner.marginTop };
});

before(async () => {
  assert.ok(base, 'run through scripts/browser-test.sh, which sets IMSHARE_URL');
  site = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(SHARED_PAGE));
  await new Promise((ok) => site.listen(0, '127.0.0.1', ok));
  sharedUrl = `http://127.0.0.1:${site.address().port}/`;
  const [alice, bob] = [await signIn('alice'), await signIn('bob')];
  const bobId = (await api('GET', '/v1/me', bob)).id;
  roomId = (await api('POST', '/v1/sync-rooms', alice, { url: sharedUrl, participants: [bobId] })).room_id;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  site?.close();
});

test('both participants open the room and go live', async () => {
  pages.alice = await participant('alice');
  pages.bob = await participant('bob');
});

test('a region picked in one page shows in both, framed at the right offset', async () => {
  const alice = pages.alice;
  await alice.click('#sync-pick');
  const overlay = await alice.locator('#sync-overlay').boundingBox();
  await alice.mouse.move(overlay.x + 100, overlay.y + 50);
  await alice.mouse.down();
  await alice.mouse.move(overlay.x + 420, overlay.y + 250, { steps: 8 });
  await alice.mouse.up();
  await alice.click('#sync-confirm');

  for (const page of [pages.alice, pages.bob]) {
    await page.waitForFunction(() => document.getElementById('sync-view').dataset.version === '2', null, { timeout: LIVE });
  }
  const token = await signIn('bob');
  const { region } = await api('GET', `/v1/sync-rooms/${roomId}`, token);
  assert.ok(Math.abs(region.x - 100) <= 1 && Math.abs(region.y - 50) <= 1, JSON.stringify(region));
  assert.ok(Math.abs(region.width - 320) <= 1 && Math.abs(region.height - 200) <= 1, JSON.stringify(region));
  const expected = { version: 2, width: `${region.width}px`, height: `${region.height}px`,
    marginLeft: `-${region.x}px`, marginTop: `-${region.y}px` };
  for (const name of ['alice', 'bob']) {
    assert.deepEqual(await framing(pages[name]), expected, `${name}'s view`);
  }
  const shared = pages.bob.frames().find((f) => f.url() === sharedUrl);
  assert.ok(shared, 'the shared page loaded in the frame');
  await shared.waitForSelector('#target', { timeout: LIVE });
  for (const name of ['alice', 'bob']) {
    await pages[name].screenshot({ path: join(shots, `sync-${name}.png`), fullPage: true });
  }
});

test('no page broke its Content-Security-Policy or threw', () => {
  assert.deepEqual(problems, []);
});
