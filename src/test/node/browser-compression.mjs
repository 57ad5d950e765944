// Headless Chromium (real browser deflate negotiation) over a raw WebSocket and over SockJS: both
// receive a message published over REST, and the handshake answers show what was negotiated.
// usage: node browser-compression.mjs http://127.0.0.1:PORT off|on
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { base, check, fail, post } from './lib.mjs';

const require = createRequire(import.meta.url);
const mode = process.argv[3];
const run = Math.random().toString(36).slice(2, 8);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage();
  page.on('pageerror', e => console.error('page error:', e.message));
  // What the browser offered and the hub answered, for every WebSocket the page opens.
  const handshakes = [];
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const requests = new Map();
  cdp.on('Network.webSocketCreated', e => requests.set(e.requestId, e.url));
  cdp.on('Network.webSocketHandshakeResponseReceived', e => {
    const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    handshakes.push({ url: requests.get(e.requestId), status: e.response.status,
      extensions: headers['sec-websocket-extensions'] || '' });
  });
  await page.goto(`${base}/health`); // same origin as /ws and /eventbus
  await page.addScriptTag({ path: require.resolve('sockjs-client/dist/sockjs.min.js') });
  await page.addScriptTag({ path: require.resolve('@vertx/eventbus-bridge-client.js/vertx-eventbus.js') });

  // Raw WebSocket: subscribe, then wait for an event.
  const extensions = await page.evaluate(async (run) => {
    const ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/ws');
    window.wsEvent = new Promise(resolve => ws.addEventListener('message', m => {
      const frame = JSON.parse(m.data);
      if (frame.type === 'event') resolve(frame);
    }));
    await new Promise((resolve, reject) => {
      ws.addEventListener('message', m => { if (JSON.parse(m.data).type === 'subscribed') resolve(); });
      ws.addEventListener('open', () => ws.send(JSON.stringify({ type: 'subscribe', topics: [`browser.${run}.ws`] })));
      setTimeout(() => reject(new Error('no subscribed frame')), 5000);
    });
    return ws.extensions;
  }, run);
  // SockJS bridge (its WebSocket transport): register for the topic.
  await page.evaluate(async (run) => {
    const eb = new EventBus('/eventbus');
    window.eb = eb;
    await new Promise((resolve, reject) => { eb.onopen = resolve; setTimeout(() => reject(new Error('bridge did not open')), 5000); });
    window.bridgeEvent = new Promise(resolve => eb.registerHandler(`switchboard.topic.browser.${run}.bridge`, (err, m) => resolve(m.body)));
    // the registration is in place once a request sent after it is answered
    await new Promise((resolve, reject) => eb.send('switchboard.topics.publish',
      { topic: `browser.${run}.ack`, event: { type: 'ack', data: {} } }, {}, (err, m) => err ? reject(new Error(JSON.stringify(err))) : resolve()));
  }, run);

  const payload = { text: 'compressible '.repeat(200) };
  const a = await post(`/api/v1/topics/browser.${run}.ws`, payload, { 'ce-type': 'browser.ws' });
  const b = await post(`/api/v1/topics/browser.${run}.bridge`, payload, { 'ce-type': 'browser.bridge' });
  check(a.status === 202 && b.status === 202, 'publishes accepted');
  const timeout = (what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: nothing received`)), 5000));
  const got = await page.evaluate(() => Promise.all([window.wsEvent, window.bridgeEvent]))
    .catch(e => fail(e.message));
  await Promise.race([Promise.resolve(got), timeout('browser')]);
  check(got[0].event.id === a.body.id && got[0].event.data.text === payload.text, `WebSocket event received: ${JSON.stringify(got[0]).slice(0, 200)}`);
  check(got[1].id === b.body.id && got[1].data.text === payload.text, `SockJS message received: ${JSON.stringify(got[1]).slice(0, 200)}`);

  // A bridge watch resumes from a message's cursor header: what came after it, then live, none twice.
  const watch = (address, cursor) => page.evaluate(([run, address, cursor]) => new Promise((resolve, reject) => {
    window[address] = [];
    window.eb.registerHandler(address, (err, m) => window[address].push({ n: m.body.data && m.body.data.n,
      type: m.body.type, cursor: m.headers && m.headers.cursor }));
    window.eb.send('switchboard.topics.watch', { address, topics: [`browser.${run}.r.#`], ...(cursor ? { cursor } : {}) }, {},
      (err, m) => err ? reject(new Error(JSON.stringify(err))) : resolve(m.body));
  }), [run, address, cursor]);
  const received = (address, count) => page.waitForFunction(([a, c]) => window[a].length >= c && window[a], [address, count],
    { timeout: 5000 }).then(h => h.jsonValue()).catch(() => fail(`${address}: fewer than ${count} messages`));
  await watch(`switchboard.watch.${run}.one`);
  for (const n of [1, 2]) await post(`/api/v1/topics/browser.${run}.r.x`, { n }, { 'ce-type': 'resume' });
  const first = await received(`switchboard.watch.${run}.one`, 2);
  check(first.every(m => m.cursor), `watched messages carry a cursor header: ${JSON.stringify(first)}`);
  await watch(`switchboard.watch.${run}.two`, first[0].cursor);
  await post(`/api/v1/topics/browser.${run}.r.y`, { n: 3 }, { 'ce-type': 'resume' });
  const resumed = await received(`switchboard.watch.${run}.two`, 2);
  await new Promise(r => setTimeout(r, 200));
  const settled = await page.evaluate(a => window[a], `switchboard.watch.${run}.two`);
  check(JSON.stringify(settled.map(m => m.n)) === '[2,3]', `resumed watch: after the cursor, then live, none twice: ${JSON.stringify(settled)}`);
  await watch(`switchboard.watch.${run}.three`, 'elsewhere-1');
  const gapped = await received(`switchboard.watch.${run}.three`, 4);
  check(gapped[0].type === 'switchboard.gap' && JSON.stringify(gapped.slice(1).map(m => m.n)) === '[1,2,3]',
    `a foreign cursor: a switchboard.gap event, then the history: ${JSON.stringify(gapped)}`);

  const ws = handshakes.find(h => h.url && h.url.includes('/ws'));
  const sockjs = handshakes.find(h => h.url && h.url.includes('/eventbus/'));
  check(ws && sockjs, `both WebSocket handshakes seen: ${JSON.stringify(handshakes)}`);
  console.log(`negotiated: ws "${ws.extensions}" (page: "${extensions}"), sockjs "${sockjs.extensions}"`);
  if (mode === 'off') {
    check(ws.extensions === '' && extensions === '' && sockjs.extensions === '',
      `compression off: Chromium's deflate offer declined on both: ${JSON.stringify(handshakes)}`);
  } else {
    // Chromium does not ask for no context takeover; the hub grants it anyway, so it keeps no zlib
    // stream per socket (and can send every socket the same compressed bytes)
    const noContext = e => /permessage-deflate/.test(e) && /server_no_context_takeover/.test(e) && /client_no_context_takeover/.test(e);
    check(noContext(ws.extensions) && noContext(extensions) && noContext(sockjs.extensions),
      `compression on: deflate without context takeover negotiated on both: ${JSON.stringify(handshakes)}`);
  }
  console.log(`OK browser-compression ${mode}`);
} finally {
  await browser.close();
}
