// The console in headless Chromium, as an operator uses it, against a real hub (RabbitMQ queues,
// the embedded store, a projection that fails on a poisoned event):
//  - the live charts draw and move while traffic flows (asserted on the numbers behind them);
//  - every action round-trips: register a webhook (its secret shown once) and the endpoint gets a
//    delivery whose signature verifies (standardwebhooks) plus the page's test event; append an
//    event; show a stream's metadata and delete it (the API then answers 404); publish to a queue;
//    requeue dead letters; retry and skip a failed projection with its
//    failed event shown; rebuild one; a refused action shows the hub's problem details;
//  - readable at 1280 and 800 px: no page-wide horizontal scroll, every cut-short cell has a tooltip.
// Screenshots at both widths go to OUT_DIR.
// usage: node console-e2e.mjs http://127.0.0.1:PORT OUT_DIR QUEUE FAILING_QUEUE
import http from 'node:http';
import { chromium } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { base, check, fail, post } from './lib.mjs';

const [, , , outDir, queue, failingQueue] = process.argv;
const run = Math.random().toString(36).slice(2, 8);
const started = Date.now();
const step = (what) => console.log(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);

// a webhook receiver that keeps every request's raw body and headers, verified later
const received = [];
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
    res.writeHead(204).end();
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const hookUrl = `http://127.0.0.1:${server.address().port}/hook-${run}`;

async function until(what, test, ms = 15000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await test();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  fail(`not seen within ${ms} ms: ${what}`);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
let traffic;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => fail(`page error: ${e.message}`));
  page.on('dialog', (d) => d.accept()); // rebuild and skip ask for confirmation
  await page.goto(`${base}/`);
  await page.waitForSelector('.pill.up', { timeout: 10000 }).catch(() => fail('the console did not go live'));
  step('live');

  // ---- charts: traffic in, the numbers behind the charts rise, and the x axis moves on
  traffic = setInterval(() => {
    post(`/api/v1/topics/console${run}.load`, { n: 1 }, { 'ce-type': `console${run}.load` }).catch(() => {});
    post(`/api/v1/streams/load${run}-1/events`, [{ type: 'load.tick', data: {} }]).catch(() => {});
  }, 50);
  const series = (id, key) => page.evaluate(([id, key]) => {
    const p = window.switchboardConsole.plots.get(id);
    if (!p) return null;
    const i = p.keys.indexOf(key);
    return i < 0 ? null : { times: p.data[0], values: p.data[i + 1] };
  }, [id, key]);
  const peak = (s) => (s ? Math.max(0, ...s.values.filter((v) => v !== null)) : 0);
  await until('messages in over http per second on the chart', async () => peak(await series('messages-in', 'http')) > 2, 10000);
  await until('store appends per second on the chart', async () => peak(await series('store', 'appends/s')) > 2, 10000);
  const before = await series('messages-in', 'http');
  await until('the chart moving on', async () => {
    const now = await series('messages-in', 'http');
    return now.times[now.times.length - 1] >= before.times[before.times.length - 1] + 2;
  }, 6000);
  const drawn = await page.evaluate(() => [...document.querySelectorAll('#chart-messages-in canvas')]
    .some((c) => c.width > 100 && c.height > 50));
  check(drawn, 'the messages-in chart has a canvas');
  const groupChart = await page.evaluate(() => document.getElementById('chart-group-lag').hidden);
  check(groupChart, 'the consumer-group chart stays hidden while no group reports lag');
  clearInterval(traffic);
  const logRows = await page.locator('#topic-rows tr').count();
  check(logRows > 0 && logRows <= 100, `the live topic log keeps at most 100 rows: ${logRows}`);
  step('charts draw and move');

  // ---- a narrower topic watch replaces "#" at once: no duplicates, nothing of the old pattern
  await page.fill('#pattern', `console${run}.orders`);
  await page.click('#watch-form button[type=submit]');
  await page.waitForTimeout(500);
  await page.click('#clear-topics');

  // ---- webhooks: register from the page; the secret is shown once; deliveries verify with it
  await page.fill('#webhook-url', hookUrl);
  await page.fill('#webhook-events', `console${run}.*`);
  await page.click('#webhook-form button[type=submit]');
  await page.waitForSelector('#webhook-secret-box:not([hidden])', { timeout: 5000 }).catch(() => fail('no secret shown'));
  const secret = await page.textContent('#webhook-secret');
  check(/^whsec_/.test(secret), `the secret is shown: ${secret}`);
  const verifier = new Webhook(secret);
  const verified = (type) => received.find((r) => {
    try {
      return verifier.verify(r.body, r.headers).type === type;
    } catch {
      return false;
    }
  });
  await post(`/api/v1/topics/console${run}.orders`, { order: 1 }, { 'ce-type': `console${run}.hello` });
  await until('a verified delivery of the published event', () => verified(`console${run}.hello`));
  const topicRows = await until('the message in the topic view', async () => {
    const rows = await page.locator('#topic-rows tr').allTextContents();
    return rows.length > 0 && rows;
  });
  check(topicRows.length === 1 && topicRows[0].includes(`console${run}.orders`),
    `only the new pattern's message, once: ${JSON.stringify(topicRows)}`);
  const row = page.locator('#webhook-rows tr', { hasText: hookUrl });
  await row.locator('button', { hasText: 'test' }).click();
  await until('a verified test event', () => verified('switchboard.webhook.test'));
  await until('the test shown as sent', async () => /test event sent/.test(await page.textContent('#webhook-result')));
  await page.click('#webhook-secret-done');
  check(await page.evaluate(() => document.getElementById('webhook-secret-box').hidden
    && document.getElementById('webhook-secret').textContent === ''), 'the secret is gone once dismissed');
  await until('deliveries per second on the webhooks chart', async () => peak(await series('webhooks', 'delivered')) > 0, 10000);
  step('webhook registered, delivered and verified, test event verified');

  // ---- append an event (a poisoned item the "failing" projection stops at), then a refused one
  const stream = `cqrstest${run}-1`;
  await page.fill('#append-stream', stream);
  await page.fill('#append-type', 'cqrstest.item');
  await page.fill('#append-data', `{"label": "bad-${run}", "poison": true}`);
  await page.click('#append-form button[type=submit]');
  await until('the append answered', async () => /appended/.test(await page.textContent('#append-result')));
  const read = await (await fetch(`${base}/api/v1/streams/${stream}`)).json();
  check(read.events.length === 1 && read.events[0].data.label === `bad-${run}`, `the event is in the store: ${JSON.stringify(read)}`);
  await page.fill('#append-expected', 'no_stream');
  await page.click('#append-form button[type=submit]');
  const refused = await until('the refused append shows the problem', async () => {
    const text = await page.textContent('#append-result');
    return /409/.test(text) && text;
  });
  check(/current_version: 0/.test(refused), `the problem's current_version is shown: ${refused}`);
  check(await page.evaluate(() => document.getElementById('append-result').classList.contains('bad')), 'shown as refused');
  await page.fill('#append-expected', '');
  step('append and a refused append');

  // ---- a stream's metadata shown with its events; delete it from the page: the API then says 404
  const doomed = `lifecycle${run}-1`;
  await post(`/api/v1/streams/${doomed}/events`, [{ type: 'lifecycle.made', data: {} }, { type: 'lifecycle.made', data: {} }]);
  const rules = await fetch(`${base}/api/v1/streams/${doomed}/metadata`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ max_count: 5 }),
  });
  check(rules.status === 200, `metadata set: ${rules.status}`);
  await page.fill('#stream', doomed);
  await page.click('#show-stream');
  await until('the metadata shown', async () => (await page.textContent('#stream-meta')).includes(`${doomed}: max_count 5`));
  await page.click('#delete-stream'); // soft; the confirmation is accepted
  const deleted = await until('the delete answered', async () => {
    const text = await page.textContent('#stream-meta');
    return /^deleted /.test(text) && text;
  });
  check(deleted.includes(`deleted ${doomed} (soft) at version 1`), `the delete's answer is shown: ${deleted}`);
  const gone = await fetch(`${base}/api/v1/streams/${doomed}`);
  check(gone.status === 404, `the deleted stream reads as absent: ${gone.status}`);
  step('stream metadata shown, deleted from the page, 404 after');

  // ---- the projection stops at the poisoned event: shown with the event; retry, then skip
  const failedRow = page.locator('#projection-rows tr.failed-event');
  await until('the failed event shown', async () => (await failedRow.count()) === 1
    && (await failedRow.textContent()).includes(stream), 15000);
  const failedText = await failedRow.textContent();
  check(failedText.includes('poison') && failedText.includes('cqrstest.item'), `the failed event's data is shown: ${failedText}`);
  const failing = page.locator('#projection-rows tr', { hasText: 'failing' }).first();
  await failing.locator('button', { hasText: 'retry' }).click();
  await until('the retry answered', async () => /retrying/.test(await page.textContent('#projection-result')));
  const failingStatus = async () => (await (await fetch(`${base}/api/v1/projections`)).json())
    .projections.find((p) => p.name === 'failing').status;
  await until('failed again after the retry', async () => (await failingStatus()) === 'failed' && (await failedRow.count()) === 1);
  await page.locator('#projection-rows tr', { hasText: 'failing' }).first().locator('button', { hasText: 'skip' }).click();
  await until('the skip answered', async () => /skipped event/.test(await page.textContent('#projection-result')));
  await until('the projection running again', async () => {
    return (await failingStatus()) === 'running' && (await failedRow.count()) === 0;
  });
  await page.locator('#projection-rows tr', { hasText: 'orders' }).first().locator('button', { hasText: 'rebuild' }).click();
  await until('the rebuild answered', async () => /orders: rebuilding/.test(await page.textContent('#projection-result')));
  step('projection: failed event shown, retried, skipped, rebuild');

  // ---- queues: publish from the page, see it ready; dead letters requeued; unknown queue refused
  await page.fill('#queue-name', queue);
  await page.click('#queue-form button[type=submit]');
  await until('the publish confirmed', async () => /confirmed/.test(await page.textContent('#queue-result')));
  await until('the queue shows a ready message', async () => {
    const cells = await page.locator('#queue-rows tr', { hasText: queue }).first().locator('td').allTextContents();
    return Number(cells[1]) >= 1;
  });
  await page.fill('#queue-name', failingQueue);
  await page.click('#queue-form button[type=submit]');
  await until('the dead letter in the table', async () => {
    const cells = await page.locator('#queue-rows tr', { hasText: failingQueue }).first().locator('td').allTextContents();
    return Number(cells[3]) >= 1;
  });
  await page.locator('#queue-rows tr', { hasText: failingQueue }).first().locator('button', { hasText: 'requeue' }).click();
  await until('the requeue answered', async () => /moved 1 dead letter back/.test(await page.textContent('#queue-result')));
  await until('dead-letter rate and depth on the charts', async () =>
    peak(await series('queue-rates', `${failingQueue} dead-letter`)) > 0 && peak(await series('queue-depth', `${queue} ready`)) >= 1, 10000);
  await page.fill('#queue-name', `no-such-queue-${run}`);
  await page.click('#queue-form button[type=submit]');
  const unknown = await until('the unknown queue refused', async () => {
    const text = await page.textContent('#queue-result');
    return /^4\d\d /.test(text) && text;
  });
  step(`queues: published, dead letter requeued, refused: ${unknown}`);

  // ---- readable at both widths
  for (const width of [1280, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(400);
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    check(scrollWidth <= width, `no page-wide horizontal scrolling at ${width} px (scrollWidth ${scrollWidth})`);
    const untitled = await page.evaluate(() => [...document.querySelectorAll('td, header span, .chips li')]
      .filter((el) => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1 && el.title !== el.textContent
        && !el.title.startsWith(el.textContent))
      .map((el) => el.textContent));
    check(untitled.length === 0, `cut-short values without a tooltip at ${width} px: ${JSON.stringify(untitled)}`);
    await page.screenshot({ path: `${outDir}/console-${width}.png`, fullPage: true });
  }
  const nodeState = await page.textContent('#node-rows tr td:nth-child(2)');
  check(nodeState === 'up', `the node is listed as up: ${nodeState}`);
  step('readable at 1280 and 800 px');
  console.log('OK console-e2e');
} finally {
  clearInterval(traffic);
  await browser.close();
  server.close();
}
process.exit(0);
