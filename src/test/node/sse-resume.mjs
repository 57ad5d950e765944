// The npm eventsource client, behind a proxy that cuts its connection three times while messages
// flow, must resume with Last-Event-ID and see every message exactly once, in order.
// usage: node sse-resume.mjs http://127.0.0.1:PORT
import net from 'node:net';
import EventSource from 'eventsource';
import { base, check, fail, post, sleep } from './lib.mjs';

const target = new URL(base);
const sockets = new Set();
const proxy = net.createServer(client => {
  const upstream = net.connect(Number(target.port), target.hostname);
  sockets.add(client);
  client.on('close', () => { sockets.delete(client); upstream.destroy(); });
  upstream.on('close', () => client.destroy());
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.pipe(upstream).pipe(client);
});
await new Promise(resolve => proxy.listen(0, '127.0.0.1', resolve));
const proxyBase = `http://127.0.0.1:${proxy.address().port}`;

const run = Math.random().toString(36).slice(2, 8);
const topic = `resume.${run}`;
const total = 200;
const received = [];
let reconnects = 0;
let opened = 0;
const source = new EventSource(`${proxyBase}/api/v1/stream?topics=${topic}.*`);
source.onopen = () => { opened++; if (opened > 1) reconnects++; };
source.addEventListener('switchboard.gap', e => fail(`unexpected gap: ${e.data}`));
source.addEventListener('resume.test', e => received.push(JSON.parse(e.data).data.n));
await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('stream did not open')), 5000);
  source.addEventListener('open', () => { clearTimeout(timer); resolve(); }, { once: true });
}).catch(e => fail(e.message));

for (let n = 0; n < total; n++) {
  const response = await post(`/api/v1/topics/${topic}.m${n % 4}`, { n }, { 'ce-type': 'resume.test' });
  check(response.status === 202, `publish ${n}: ${response.status}`);
  if (n % 50 === 25) {
    // cut the client off mid-stream; it reconnects on its own with Last-Event-ID
    for (const socket of sockets) socket.destroy();
  }
  await sleep(5);
}

const deadline = Date.now() + 15000;
while (received.length < total && Date.now() < deadline) await sleep(50);
source.close();
proxy.close();
check(reconnects >= 3, `the client reconnected ${reconnects} times`);
const expected = Array.from({ length: total }, (_, i) => i);
check(JSON.stringify(received) === JSON.stringify(expected),
  `every message once, in order: got ${received.length}, first differences at ${received.findIndex((v, i) => v !== i)}`);
console.log(`OK sse-resume (${reconnects} reconnects)`);
process.exit(0);
