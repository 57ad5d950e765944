// The npm ws client at its defaults (it offers permessage-deflate, as browsers do) against a hub
// with ws.compression off or on: what is negotiated, that delivery works, and how oversized,
// fragmented, invalid and compression-bomb messages are closed.
// usage: node ws-frames.mjs http://127.0.0.1:PORT off|on MAX_FRAME_BYTES
import WebSocket from 'ws';
import { check, fail, post, wsBase } from './lib.mjs';

const mode = process.argv[3];
const maxFrame = Number(process.argv[4]);
const run = Math.random().toString(36).slice(2, 8);

function open(options = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}/ws`, options);
    const frames = [];
    let waiter = null;
    ws.on('upgrade', res => { ws.offered = res.headers['sec-websocket-extensions'] || ''; });
    ws.on('message', data => {
      const frame = JSON.parse(data.toString());
      if (waiter && waiter.type === frame.type) { const w = waiter; waiter = null; w.resolve(frame); } else frames.push(frame);
    });
    ws.on('error', () => {}); // the close code is what the tests look at
    ws.closed = new Promise(resolve => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.next = (type, ms = 5000) => {
      const i = frames.findIndex(f => f.type === type);
      if (i >= 0) return Promise.resolve(frames.splice(i, 1)[0]);
      return new Promise((resolve, reject) => {
        waiter = { type, resolve };
        setTimeout(() => reject(new Error(`no ${type} frame within ${ms} ms`)), ms);
      });
    };
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
}

const t0 = Date.now();
async function closedWith(ws, expected, what, ms = 5000) {
  if (process.env.TRACE) console.log(`${Date.now() - t0} ms: awaiting ${what}`);
  const closed = await Promise.race([ws.closed,
    new Promise(resolve => setTimeout(() => resolve({ code: 'none within ' + ms + ' ms' }), ms))]);
  check(closed.code === expected, `${what}: expected close ${expected}, got ${JSON.stringify(closed)}`);
}

// 1. Negotiation, as a browser offers it (permessage-deflate; client_max_window_bits).
const plain = await open();
await plain.next('welcome');
if (mode === 'off') {
  check(plain.offered === '', `compression off: nothing negotiated, got "${plain.offered}"`);
} else {
  check(/permessage-deflate/.test(plain.offered), `compression on: permessage-deflate negotiated, got "${plain.offered}"`);

  const asking = await open({ perMessageDeflate: { serverNoContextTakeover: true, clientNoContextTakeover: true } });
  await asking.next('welcome');
  check(/server_no_context_takeover/.test(asking.offered) && /client_no_context_takeover/.test(asking.offered),
    `no context takeover either way granted to a client offering it: "${asking.offered}"`);
  asking.close();
}
const none = await open({ perMessageDeflate: false });
await none.next('welcome');
check(none.offered === '', 'a client not offering compression gets none');

// 2. Delivery (compressed when negotiated): a large, compressible event arrives whole.
plain.send(JSON.stringify({ type: 'subscribe', topics: [`frames.${run}`] }));
await plain.next('subscribed');
const text = 'x'.repeat(20_000);
const published = await post(`/api/v1/topics/frames.${run}`, { text }, { 'ce-type': 'frames.big' });
check(published.status === 202, 'publish accepted');
const event = await plain.next('event');
check(event.event.data.text === text && event.event.id === published.body.id, 'the large event arrived whole');
plain.close();
none.close();

// 3. A message over ws.max_frame_bytes: 1009, whether compressed or not, whole or in fragments.
const big = JSON.stringify({ type: 'ping', pad: 'y'.repeat(maxFrame + 100) });
let ws = await open({ perMessageDeflate: false });
ws.send(big);
await closedWith(ws, 1009, 'an oversized uncompressed message');

ws = await open();
ws.send(big, { compress: true });
await closedWith(ws, 1009, 'an oversized message sent compressed' + (mode === 'on' ? '' : ' (not negotiated: sent plain)'));

ws = await open({ perMessageDeflate: false });
const piece = 'z'.repeat(Math.ceil(maxFrame / 4));
for (let i = 0; i < 6; i++) ws.send(piece, { fin: false });
await closedWith(ws, 1009, 'an oversized message in small fragments');

if (mode === 'on') {
  // A compression bomb: a frame under the limit (2 MB of one letter deflates to ~2 KB) that inflates
  // far past it must be refused; and one whose compressed size alone is over the limit too.
  ws = await open();
  await ws.next('welcome');
  let before = process.hrtime.bigint();
  ws.send(Buffer.alloc(2 * 1024 * 1024, 'a'), { binary: false, compress: true });
  await closedWith(ws, 1009, 'a small frame inflating past the limit', 10_000);
  console.log(`compression bomb closed after ${Number(process.hrtime.bigint() - before) / 1e6} ms`);
  ws = await open();
  await ws.next('welcome');
  before = process.hrtime.bigint();
  ws.send(Buffer.alloc(16 * 1024 * 1024, 'a'), { binary: false, compress: true });
  await closedWith(ws, 1009, 'a compression bomb', 10_000);
  console.log(`compression bomb closed after ${Number(process.hrtime.bigint() - before) / 1e6} ms`);
}

// 4. Invalid UTF-8 in a text frame: 1007.
ws = await open({ perMessageDeflate: false });
ws.send(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
await closedWith(ws, 1007, 'invalid UTF-8');

// The hub is still fine.
const after = await open();
await after.next('welcome');
after.close();
console.log(`OK ws-frames ${mode}`);
process.exit(0);
