// Headless Chromium with @vertx/eventbus-bridge-client.js over sockjs-client: the page receives a
// message published over REST, and publishes one that an SSE client receives.
// usage: node browser-bridge.mjs http://127.0.0.1:PORT
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import EventSource from 'eventsource';
import { base, check, fail, post } from './lib.mjs';

const require = createRequire(import.meta.url);
const run = Math.random().toString(36).slice(2, 8);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage();
  page.on('pageerror', e => console.error('page error:', e.message));
  await page.goto(`${base}/health`); // same origin as /eventbus
  await page.addScriptTag({ path: require.resolve('sockjs-client/dist/sockjs.min.js') });
  await page.addScriptTag({ path: require.resolve('@vertx/eventbus-bridge-client.js/vertx-eventbus.js') });

  // The page connects, registers for a topic, and publishes through the request address: the reply
  // also proves the registration (sent earlier on the same socket) is in place.
  const reply = await page.evaluate(async (run) => {
    const eb = new EventBus('/eventbus');
    window.eb = eb;
    await new Promise((resolve, reject) => {
      eb.onopen = resolve;
      setTimeout(() => reject(new Error('bridge did not open')), 5000);
    });
    window.received = new Promise(resolve =>
      eb.registerHandler(`switchboard.topic.browser.${run}.in`, (err, message) => resolve(message.body)));
    return new Promise((resolve, reject) => eb.send('switchboard.topics.publish',
      { topic: `browser.${run}.ack`, event: { type: 'browser.hello', data: { from: 'page' } } }, {},
      (err, message) => err ? reject(new Error(JSON.stringify(err))) : resolve(message.body)));
  }, run);
  check(reply.id && reply.topic === `browser.${run}.ack`, `request to switchboard.topics.publish answered: ${JSON.stringify(reply)}`);

  // REST -> browser
  const published = await post(`/api/v1/topics/browser.${run}.in`, { hello: 'browser' }, { 'ce-type': 'rest.said' });
  check(published.status === 202, 'REST publish accepted');
  const inBrowser = await page.evaluate(() => Promise.race([window.received,
    new Promise((_, reject) => setTimeout(() => reject(new Error('nothing received in the page')), 5000))]));
  check(inBrowser.id === published.body.id && inBrowser.type === 'rest.said' && inBrowser.data.hello === 'browser',
    `the page received the envelope: ${JSON.stringify(inBrowser)}`);

  // browser -> SSE
  const source = new EventSource(`${base}/api/v1/stream?topics=browser.${run}.out`);
  await new Promise(resolve => source.addEventListener('open', resolve, { once: true }));
  const sse = new Promise((resolve, reject) => {
    source.addEventListener('browser.said', e => resolve(JSON.parse(e.data)));
    setTimeout(() => reject(new Error('the SSE client received nothing from the page')), 5000);
  });
  await page.evaluate((run) => window.eb.publish(`switchboard.topic.browser.${run}.out`, { hello: 'sse' },
    { 'ce-type': 'browser.said' }), run);
  const event = await sse.catch(e => fail(e.message));
  source.close();
  check(event.type === 'browser.said' && event.data.hello === 'sse' && event.specversion === '1.0',
    `the SSE client received the page's message as a CloudEvent: ${JSON.stringify(event)}`);

  // a pattern subscription over the bridge: register a watch address, ask the hub to feed it
  const watching = await page.evaluate((run) => new Promise((resolve, reject) => {
    const address = `switchboard.watch.${run}`;
    window.watched = [];
    window.eb.registerHandler(address, (err, message) => window.watched.push(message.body));
    window.eb.send('switchboard.topics.watch', { address, topics: [`browser.${run}.deep.#`] }, {},
      (err, message) => err ? reject(new Error(JSON.stringify(err))) : resolve(message.body));
  }), run);
  check(watching.watching[0] === `browser.${run}.deep.#`, `watch accepted: ${JSON.stringify(watching)}`);
  await post(`/api/v1/topics/browser.${run}.deep.a.b`, { n: 1 }, { 'ce-type': 'deep.one' });
  await post(`/api/v1/topics/browser.${run}.other`, { n: 2 }, { 'ce-type': 'not.watched' });
  await post(`/api/v1/topics/browser.${run}.deep`, { n: 3 }, { 'ce-type': 'deep.three' });
  const watched = await page.waitForFunction(() => window.watched.length >= 2 && window.watched, null, { timeout: 5000 })
    .then(h => h.jsonValue()).catch(() => fail('the watch delivered nothing'));
  check(JSON.stringify(watched.map(e => e.data.n)) === '[1,3]', `the watch matched the pattern: ${JSON.stringify(watched)}`);

  // topics are publish-only: a send is refused, and the bridge says so
  const refused = await page.evaluate((run) => new Promise(resolve => {
    window.eb.onerror = e => resolve(e);
    window.eb.send(`switchboard.topic.browser.${run}.out`, { x: 1 });
    setTimeout(() => resolve(null), 3000);
  }), run);
  check(refused && refused.body === 'rejected', `send to a topic address is refused: ${JSON.stringify(refused)}`);
  console.log('OK browser-bridge');
} finally {
  await browser.close();
}
process.exit(0);
