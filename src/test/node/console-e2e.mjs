// The console in headless Chromium at 1280×800: a REST publish appears in the topic view, a stream
// append in the store view, a delivery to a stopped webhook receiver shows failed and is retried
// from the page once the receiver is back. Saves a screenshot.
// usage: node console-e2e.mjs http://127.0.0.1:PORT SCREENSHOT_PATH
import http from 'node:http';
import { chromium } from 'playwright-core';
import { base, check, fail, post } from './lib.mjs';

const screenshot = process.argv[3];
const run = Math.random().toString(36).slice(2, 8);
const received = [];

// a webhook receiver that can be stopped and started on the same port
let server;
const sockets = new Set();
function startReceiver(port) {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { received.push(JSON.parse(body)); res.writeHead(200).end('ok'); });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server.address().port)));
}
function stopReceiver() {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(resolve));
}
async function until(what, test, ms = 15000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await test();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  fail(`not seen within ${ms} ms: ${what}`);
}

const port = await startReceiver(0);
const hook = await post('/api/v1/webhooks', { url: `http://127.0.0.1:${port}/hook`, events: [`console${run}.*`] });
check(hook.status === 201, `webhook registered: ${JSON.stringify(hook.body)}`);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${base}/`);
  await page.waitForSelector('.pill.up', { timeout: 10000 }).catch(() => fail('the console did not connect to the bridge'));

  // topic view
  const topic = `console${run}.orders.created`;
  await post(`/api/v1/topics/${topic}`, { order: 1 }, { 'ce-type': `console${run}.hello` });
  await page.waitForFunction((t) => [...document.querySelectorAll('#topic-rows tr')].some((r) => r.textContent.includes(t)),
    topic, { timeout: 10000 }).catch(() => fail('the published message did not appear in the topic view'));

  // store view: the $all tail
  const stream = `consolee2e${run}-1`;
  const appended = await post(`/api/v1/streams/${stream}/events`, [{ type: 'thing.happened', data: { n: 1 } }]);
  check(appended.status === 201, `appended: ${JSON.stringify(appended.body)}`);
  await page.waitForFunction((s) => [...document.querySelectorAll('#store-rows tr')].some((r) => r.textContent.includes(s)),
    stream, { timeout: 10000 }).catch(() => fail('the appended event did not appear in the store view'));

  // webhooks: delivered while the receiver runs; failed while it is stopped; retried from the page
  await until('the first delivery', () => received.length >= 1);
  await stopReceiver();
  await post(`/api/v1/topics/${topic}`, { order: 2 }, { 'ce-type': `console${run}.ping` });
  const failedRow = await until('a failed delivery in the console', () => page.evaluate(() =>
    [...document.querySelectorAll('#delivery-rows tr')].findIndex((r) => r.textContent.includes('failed') && r.querySelector('button'))
  ).then((i) => (i >= 0 ? i + 1 : 0)), 30000);
  await startReceiver(port);
  await page.click(`#delivery-rows tr:nth-child(${failedRow}) button`);
  await until('the retried delivery at the receiver', () => received.some((e) => e.type === `console${run}.ping`));
  await until('the delivery shown as delivered', () => page.evaluate(() =>
    [...document.querySelectorAll('#delivery-rows tr')].every((r) => r.textContent.includes('delivered'))), 15000);

  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 1280, `no horizontal scrolling at 1280 px (scrollWidth ${width})`);
  await page.screenshot({ path: screenshot });
  console.log('OK console-e2e');
} finally {
  await browser.close();
  server.close();
}
process.exit(0);
