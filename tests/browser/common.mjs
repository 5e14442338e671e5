// What the browser tests share: Debian's Chromium as this machine runs it, and the JSON API
// of the imshare at IMSHARE_URL.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const base = process.env.IMSHARE_URL;

/** Headless Chromium with the flags that keep it off the (closed) network. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** Calls the JSON API; anything but a 2xx fails the test with the answer's body. */
export async function api(method, path, token, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
  return res.json();
}

/** An access token for a seeded user (their password is `<name>-password`). */
export const signIn = async (username) =>
  (await api('POST', '/v1/sessions', null, { username, password: `${username}-password` })).access_token;
