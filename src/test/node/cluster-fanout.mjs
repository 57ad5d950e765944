// Three nodes behave as one hub: a topic published on node 1 reaches SSE, WebSocket and SockJS
// subscribers on nodes 2 and 3 once each; room presence and room messages span the nodes.
// usage: node cluster-fanout.mjs http://127.0.0.1:P1 http://127.0.0.1:P2 http://127.0.0.1:P3
import { createRequire } from 'node:module';
import WebSocket from 'ws';
import EventSource from 'eventsource';
import { check, fail, sleep } from './lib.mjs';

const require = createRequire(import.meta.url);
const EventBus = require('@vertx/eventbus-bridge-client.js');
const nodes = process.argv.slice(2);
const run = Math.random().toString(36).slice(2, 8);
const topic = `cluster.${run}`;

async function post(base, path, body, headers = {}) {
  const r = await fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

function ws(base, id) {
  const socket = new WebSocket(base.replace('http', 'ws') + `/ws/${id}`);
  socket.frames = [];
  socket.waiters = [];
  socket.on('message', (m) => {
    const frame = JSON.parse(m.toString());
    const w = socket.waiters.findIndex((x) => x.test(frame));
    if (w >= 0) socket.waiters.splice(w, 1)[0].resolve(frame); else socket.frames.push(frame);
  });
  socket.next = (test, ms = 8000) => {
    const i = socket.frames.findIndex(test);
    if (i >= 0) return Promise.resolve(socket.frames.splice(i, 1)[0]);
    return new Promise((resolve) => {
      socket.waiters.push({ test, resolve });
      setTimeout(() => fail(`${id}: no matching frame within ${ms} ms; got ${JSON.stringify(socket.frames)}`), ms);
    });
  };
  return new Promise((resolve) => socket.on('open', () => resolve(socket)));
}

// subscribers on nodes 2 and 3, three transports
const received = { sse2: [], sse3: [], ws2: [], ws3: [], sockjs3: [] };
const sources = [];
for (const [name, base] of [['sse2', nodes[1]], ['sse3', nodes[2]]]) {
  const source = new EventSource(`${base}/api/v1/stream?topics=${topic}.%23`);
  source.addEventListener('cluster.test', (e) => received[name].push(JSON.parse(e.data).data.n));
  await new Promise((resolve) => source.addEventListener('open', resolve, { once: true }));
  sources.push(source);
}
const sockets = {};
for (const [name, base] of [['ws2', nodes[1]], ['ws3', nodes[2]]]) {
  const socket = await ws(base, `${name}-${run}`);
  await socket.next((f) => f.type === 'welcome');
  socket.send(JSON.stringify({ type: 'subscribe', topics: [`${topic}.#`] }));
  await socket.next((f) => f.type === 'subscribed');
  socket.on('message', (m) => { const f = JSON.parse(m.toString()); if (f.type === 'event' && f.event.type === 'cluster.test') received[name].push(f.event.data.n); });
  sockets[name] = socket;
}
const eb = new EventBus(`${nodes[2]}/eventbus`);
await new Promise((resolve) => { eb.onopen = resolve; });
eb.registerHandler(`switchboard.topic.${topic}.x`, (err, m) => received.sockjs3.push(m.body.data.n));
await new Promise((resolve) => eb.send('switchboard.topics.publish',   // round trip: the registration is in place
  { topic: `${topic}.warmup`, event: { type: 'warmup' } }, {}, resolve));
await sleep(300); // registrations spread through the cluster

// publish on node 1 (REST), and once from node 2 over WebSocket
for (let n = 0; n < 20; n++) {
  const r = await post(nodes[0], `/api/v1/topics/${topic}.x`, { n }, { 'ce-type': 'cluster.test' });
  check(r.status === 202, `publish ${n} on node 1`);
}
sockets.ws2.send(JSON.stringify({ type: 'publish', topic: `${topic}.x`, event_type: 'cluster.test', data: { n: 20 } }));
const expected = Array.from({ length: 21 }, (_, i) => i);
const deadline = Date.now() + 10000;
while (Date.now() < deadline && Object.values(received).some((r) => r.length < 21)) await sleep(50);
await sleep(500); // anything extra (a duplicate) would arrive now
for (const [name, got] of Object.entries(received)) {
  check(JSON.stringify([...got].sort((a, b) => a - b)) === JSON.stringify(expected),
    `${name} received every message exactly once: ${JSON.stringify(got)}`);
}

// rooms across nodes
const room = `room-${run}`;
const members = [];
for (let i = 0; i < 3; i++) {
  const socket = await ws(nodes[i], `member${i}-${run}`);
  await socket.next((f) => f.type === 'welcome');
  socket.send(JSON.stringify({ type: 'join_room', room }));
  await socket.next((f) => f.type === 'joined');
  members.push(socket);
}
for (let i = 0; i < 3; i++) {
  const listed = await (await fetch(`${nodes[i]}/api/v1/rooms/${room}`)).json();
  check(listed.members.length === 3, `node ${i + 1} lists the three members: ${JSON.stringify(listed)}`);
}
members[2].send(JSON.stringify({ type: 'room_message', room, content: 'across' }));
for (const socket of members) {
  const m = await socket.next((f) => f.type === 'message' && f.content === 'across');
  check(m.from === `member2-${run}`, 'room message from node 3 reaches every node');
}
console.log(`OK cluster-fanout ${room}`);
for (const s of sources) s.close();
eb.close();
process.exit(0);
