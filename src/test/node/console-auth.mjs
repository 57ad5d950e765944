// The console with auth on, in headless Chromium: without a token it asks for one and shows
// nothing else; with a publish+subscribe token it hides the admin parts (charts, queues table,
// projections, webhooks, nodes), its actions work within the token's grants and a refused one
// shows the hub's 403 problem; with an admin token the charts are live.
// usage: node console-auth.mjs http://127.0.0.1:PORT ADMIN_KEY APP_KEY
import { chromium } from 'playwright-core';
import { base, check, fail } from './lib.mjs';

const [, , , adminKey, appKey] = process.argv;
const run = Math.random().toString(36).slice(2, 8);

async function until(what, test, ms = 10000) {
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
const visible = (page, selector) => page.evaluate((s) => {
  const el = document.querySelector(s);
  return !!el && el.offsetParent !== null;
}, selector);

try {
  // no token: the page says it needs one
  const anonymous = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  anonymous.on('pageerror', (e) => fail(`page error: ${e.message}`));
  await anonymous.goto(`${base}/`);
  await anonymous.waitForSelector('#auth-note:not([hidden])', { timeout: 5000 }).catch(() => fail('no note asking for a token'));
  check(/needs a token/.test(await anonymous.textContent('#auth-note')), 'the note asks for a token');
  for (const part of ['#charts', '#topics', '#queues', '#projections', '#store', '#webhooks', '#cluster']) {
    check(!(await visible(anonymous, part)), `${part} hidden without a token`);
  }

  // a publish+subscribe token, typed into the page
  await anonymous.fill('#token', appKey);
  await Promise.all([anonymous.waitForNavigation(), anonymous.click('#token-form button')]);
  const app = anonymous;
  await app.waitForSelector('.pill.up', { timeout: 10000 }).catch(() => fail('the app token did not go live'));
  check(/key:app: publish subscribe/.test(await app.textContent('#who')), `the token's scopes are shown: ${await app.textContent('#who')}`);
  for (const part of ['#charts', '#projections', '#webhooks', '#cluster', '#queue-rows']) {
    check(!(await visible(app, part)), `${part} hidden from a token without admin`);
  }
  for (const part of ['#topics', '#publish-form', '#append-form', '#queue-form']) {
    check(await visible(app, part), `${part} shown to a token that may publish`);
  }
  await app.fill('#append-stream', `app-${run}`);
  await app.fill('#append-type', 'app.thing');
  await app.click('#append-form button[type=submit]');
  await until('the permitted append', async () => /appended app-/.test(await app.textContent('#append-result')));
  await app.fill('#append-stream', `other-${run}`);
  await app.click('#append-form button[type=submit]');
  const refused = await until('the refused append', async () => {
    const text = await app.textContent('#append-result');
    return /^403 /.test(text) && text;
  });
  check(/Forbidden/.test(refused) && /other-/.test(refused), `the hub's 403 problem is shown: ${refused}`);
  // the app's own topic traffic reaches its watch (the default "#" would take in the store's
  // announcements, which this token may not read)
  await app.fill('#pattern', `app${run}.#`);
  await app.click('#watch-form button[type=submit]');
  await app.fill('#pub-topic', `app${run}.hello`);
  await app.click('#publish-form button[type=submit]');
  await until('the published message in the topic view', () => app.evaluate((t) =>
    [...document.querySelectorAll('#topic-rows tr')].some((r) => r.textContent.includes(t)), `app${run}.hello`));

  // an admin token: everything, charts live
  const adminPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  adminPage.on('pageerror', (e) => fail(`page error: ${e.message}`));
  await adminPage.addInitScript((key) => sessionStorage.setItem('switchboard.token', key), adminKey);
  await adminPage.goto(`${base}/`);
  await adminPage.waitForSelector('.pill.up', { timeout: 10000 }).catch(() => fail('the admin token did not go live'));
  for (const part of ['#charts', '#projections', '#webhooks', '#cluster']) {
    check(await visible(adminPage, part), `${part} shown to an admin`);
  }
  await until('store appends on the admin chart', () => adminPage.evaluate(() => {
    const p = window.switchboardConsole.plots.get('store');
    return p && p.data[0].length > 0;
  }));
  console.log('OK console-auth');
} finally {
  await browser.close();
}
process.exit(0);
