// The console on a cluster whose node dies, in headless Chromium. One page on node 1, one on the
// node that will die: once both show every node live, READY_FILE is written and the test kills
// that node. Then node 1's page must stay live and drop the dead node (first "not answering",
// then gone), keeping only live nodes in its list and node menu; the dead node's own page must
// stop saying live.
// usage: node console-cluster.mjs BASE_OF_NODE_1 BASE_OF_THE_DOOMED_NODE NODES READY_FILE
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { check, fail } from './lib.mjs';

const [, , survivorBase, doomedBase, nodeCount, readyFile] = process.argv;
const size = Number(nodeCount);

async function until(what, test, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await test();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  fail(`not seen within ${ms} ms: ${what}`);
}

const nodeRows = (page) => page.evaluate(() => [...document.querySelectorAll('#node-rows tr')]
  .map((r) => ({ node: r.cells[0].textContent, state: r.cells[1].textContent })));
const nodeMenu = (page) => page.evaluate(() => [...document.querySelectorAll('#chart-node option')].map((o) => o.value).filter(Boolean));
const pill = (page) => page.textContent('#bridge-state');

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const survivor = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  survivor.on('pageerror', (e) => fail(`page error: ${e.message}`));
  const doomed = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await survivor.goto(`${survivorBase}/`);
  await doomed.goto(`${doomedBase}/`);
  await until(`${size} nodes up on node 1's page`, async () => {
    const rows = await nodeRows(survivor);
    return rows.length === size && rows.every((r) => r.state === 'up') && (await nodeMenu(survivor)).length === size
      && (await pill(survivor)) === 'live';
  }, 30000);
  await until('the doomed node\'s page live', async () => (await pill(doomed)) === 'live', 15000);
  const doomedId = (await doomed.textContent('#node')).replace(/^node /, '').replace(/ ·.*$/, '');
  writeFileSync(readyFile, doomedId);
  console.log(`ready: ${doomedId} may die`);

  await until('the dead node\'s page no longer live', async () => (await pill(doomed)) !== 'live', 20000);
  await until('node 1\'s page without the dead node', async () => {
    const rows = await nodeRows(survivor);
    return rows.length === size - 1 && rows.every((r) => r.state === 'up' && r.node !== doomedId)
      && !(await nodeMenu(survivor)).includes(doomedId);
  }, 40000);
  check((await pill(survivor)) === 'live', 'node 1\'s page stays live');
  const charts = await survivor.evaluate(() => [...window.switchboardConsole.samplesByNode.keys()]);
  check(!charts.includes(doomedId), `the dead node's samples are no longer drawn: ${charts}`);
  console.log('OK console-cluster');
} finally {
  await browser.close();
}
process.exit(0);
