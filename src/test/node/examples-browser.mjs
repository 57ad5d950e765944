// Serves examples/browser/index.html on PAGE_PORT (another origin than the hub, which the hub lists in
// http.cors.allowed_origins), opens it in headless Chromium and checks that it shows a message
// published over REST and publishes its own.
// usage: node examples-browser.mjs http://127.0.0.1:PORT PAGE_PORT
import http from 'node:http';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { base, check, fail, post } from './lib.mjs';

const html = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/browser/index.html'));
const pagePort = Number(process.argv[3]);
const server = http.createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(html));
await new Promise(resolve => server.listen(pagePort, '127.0.0.1', resolve));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const tab = await browser.newPage();
  tab.on('pageerror', (e) => console.error('page error:', e.message));
  await tab.goto(`http://127.0.0.1:${pagePort}/index.html?hub=${encodeURIComponent(base)}`);
  await tab.waitForFunction(() => document.getElementById('state').textContent === 'live', null, { timeout: 10000 })
    .catch(() => fail('the page did not connect'));
  const published = await post('/api/v1/topics/examples.browser.rest', { from: 'rest' }, { 'ce-type': 'rest.said' });
  check(published.status === 202, 'REST publish accepted');
  await tab.click('button');
  const items = await tab.waitForFunction(() => {
    const li = [...document.querySelectorAll('#messages li')].map((e) => e.textContent);
    return li.length >= 2 && li;
  }, null, { timeout: 10000 }).then((h) => h.jsonValue()).catch(() => fail('the page showed fewer than two messages'));
  check(items.some((t) => t.startsWith('examples.browser.rest rest.said {"from":"rest"}')), `REST message shown: ${items}`);
  check(items.some((t) => t.startsWith('examples.browser.page page.said {"text":"hello from the page"}')), `own message shown: ${items}`);
  console.log('OK examples-browser');
} finally {
  await browser.close();
  server.close();
}
process.exit(0);
