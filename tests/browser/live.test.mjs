// The live share viewer page (/l/{share}) in Debian's Chromium: bob (alice's friend,
// seeded by scripts/browser-test.sh) signs in and opens alice's share; alice's reference
// sharer (`imshare live-share`, the real CLI) sends two PNG frames; the page's canvas must
// then hold the last frame exactly, compared with Chromium's own decode of that PNG.
// Environment:
//   IMSHARE_URL   the service, e.g. http://127.0.0.1:18080
//   IMSHARE_BIN   the imshare binary (for `imshare live-share`)
//   LIVE_FRAMES   the frames to share, space-separated PNG paths (the last is compared)
//   SCREENSHOTS   where to write live-bob.png
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { base, launchChromium, api, signIn } from './common.mjs';

const frames = process.env.LIVE_FRAMES.split(' ');
const shots = process.env.SCREENSHOTS ?? 'screenshots';
mkdirSync(shots, { recursive: true });

let browser, shareId, alice;
const problems = [];

before(async () => {
  browser = await launchChromium();
  alice = await signIn('alice');
  const bob = await api('GET', '/v1/me', await signIn('bob'));
  const share = await api('POST', '/v1/live-shares', alice, { viewers: [bob.id], width: 320, height: 180, tile_size: 64 });
  shareId = share.share_id;
});

after(async () => { await browser?.close(); });

/** The canvas's pixels as a plain array. */
const canvasPixels = (page) => page.evaluate(() => {
  const c = document.getElementById('live-canvas');
  return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
});

/** Chromium's decode of a PNG file, drawn on a canvas of its own (a page without CSP). */
async function decoded(context, path) {
  const page = await context.newPage();
  const data = readFileSync(path).toString('base64');
  const pixels = await page.evaluate(async (src) => {
    const img = new Image();
    img.src = src;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    return Array.from(ctx.getImageData(0, 0, c.width, c.height).data);
  }, `data:image/png;base64,${data}`);
  await page.close();
  return pixels;
}

test('a viewer page paints the sharer\'s tiles into the sharer\'s last frame', async () => {
  const context = await browser.newContext({ viewport: { width: 412, height: 800 } });
  const page = await context.newPage();
  page.on('console', (msg) => { if (/Content.Security.Policy/i.test(msg.text())) problems.push(msg.text()); });
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(`${base}/login?next=/l/${shareId}`);
  await page.fill('input[name=username]', 'bob');
  await page.fill('input[name=password]', 'bob-password');
  await page.click('form.stack button');
  await page.waitForURL(new RegExp(`/l/${shareId}$`));
  await page.waitForFunction(() => document.getElementById('live').dataset.state === 'open', null, { timeout: 5_000 });

  const started = Date.now();
  const { stderr } = await promisify(execFile)(process.env.IMSHARE_BIN, ['live-share', '--server', base,
    '--token', alice, '--share', shareId, '--fps', '5', '--tile-size', '64', '--frames', ...frames]);
  const sent = [...stderr.matchAll(/frame \d+: (\d+) tiles/g)].reduce((n, m) => n + Number(m[1]), 0);
  assert.ok(sent >= 15, `the sharer reported ${sent} tiles:\n${stderr}`);

  await page.waitForFunction((n) => Number(document.getElementById('live').dataset.painted) >= n, sent, { timeout: 10_000 });
  const painted = Date.now() - started;
  const expected = await decoded(context, frames.at(-1));
  const shown = await canvasPixels(page);
  assert.equal(shown.length, expected.length, 'the canvas has the frame\'s size');
  const differing = shown.reduce((n, v, i) => n + (v !== expected[i] ? 1 : 0), 0);
  assert.equal(differing, 0, `${differing} of ${shown.length} channel values differ`);
  await page.screenshot({ path: join(shots, 'live-bob.png'), fullPage: true });
  assert.deepEqual(problems, []);
  console.log(`live share: ${sent} tiles painted, ${painted} ms from the sharer's start`);
  await context.close();
});
