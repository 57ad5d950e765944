// Reconnect storm: N WebSocket clients connect at once and subscribe, while a REST publish is sent
// every 50 ms meanwhile; every client must be welcomed and subscribed within the bound, no publish
// may wait longer than the bound, and the last publish must reach every client.
// usage: node ws-storm.mjs http://127.0.0.1:PORT N ALL_SUBSCRIBED_MS MAX_PUBLISH_MS
// STORM_NODES=URL,URL,...: the clients spread over these nodes (a cluster); the publishes go to PORT.
import WebSocket from 'ws';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { base, check, post } from './lib.mjs';

const n = Number(process.argv[3]);
const allWithinMs = Number(process.argv[4]);
const publishWithinMs = Number(process.argv[5]);
const run = Math.random().toString(36).slice(2, 8);
const topic = `storm.${run}`;

// The publisher is another process, as in production: this one is busy with the storm.
if (process.argv[6] === 'publisher') {
  const times = [];
  let stop = false;
  process.on('message', () => { stop = true; });
  while (!stop) {
    const t = performance.now();
    const r = await post(`/api/v1/topics/${process.argv[7]}.side`, { t }, { 'ce-type': 'storm.side' });
    if (r.status !== 202) { process.send({ error: `publish during the storm: ${r.status}` }); process.exit(1); }
    times.push(performance.now() - t);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  process.send({ times });
  process.exit(0);
}
const child = fork(fileURLToPath(import.meta.url), [base, '0', '0', '0', 'publisher', topic]);
const publisherDone = new Promise(resolve => child.on('message', resolve));
await new Promise(resolve => setTimeout(resolve, 300)); // it is publishing before the storm starts

const nodes = (process.env.STORM_NODES || base).split(',').map(url => url.replace(/^http/, 'ws'));
const start = performance.now();
const sockets = [];
const subscribed = [];
for (let i = 0; i < n; i++) {
  const ws = new WebSocket(`${nodes[i % nodes.length]}/ws`, { perMessageDeflate: false });
  sockets.push(ws);
  subscribed.push(new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', data => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'welcome') ws.send(JSON.stringify({ type: 'subscribe', topics: [topic] }));
      else if (frame.type === 'subscribed') resolve(performance.now() - start);
      else if (frame.type === 'event') (ws.onEvent || (() => {}))(frame);
    });
  }));
}
const times = await Promise.race([Promise.all(subscribed),
  new Promise((_, reject) => setTimeout(() => reject(new Error(`not all ${n} subscribed within 30 s`)), 30_000))]);
child.send('stop');
const result = await publisherDone;
check(!result.error, result.error);
const publishes = result.times;
const all = Math.max(...times);
const worst = Math.max(...publishes);
const p99 = [...publishes].sort((a, b) => a - b)[Math.ceil(publishes.length * 0.99) - 1];
console.log(`storm: ${n} clients welcomed and subscribed in ${all.toFixed(0)} ms; ${publishes.length} publishes meanwhile, slowest ${worst.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms (each: ${publishes.map(t => t.toFixed(0)).join(' ')})`);
check(all <= allWithinMs, `all ${n} subscribed within ${allWithinMs} ms: ${all.toFixed(0)} ms`);
check(worst <= publishWithinMs, `no publish waited more than ${publishWithinMs} ms: ${worst.toFixed(0)} ms`);

// and every one of them receives a message published now
const delivered = Promise.all(sockets.map(ws => new Promise(resolve => { ws.onEvent = resolve; })));
const r = await post(`/api/v1/topics/${topic}`, { after: 'storm' }, { 'ce-type': 'storm.done' });
check(r.status === 202, 'publish after the storm accepted');
await Promise.race([delivered, new Promise((_, reject) => setTimeout(() => reject(new Error('not every client got the message')), 10_000))]);
sockets.forEach(ws => ws.terminate());
console.log('OK ws-storm');
process.exit(0);
