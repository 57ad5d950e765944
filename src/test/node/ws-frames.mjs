// The npm ws client at its defaults (it offers permessage-deflate, as browsers do) against a hub
// with ws.compression off or on: what is negotiated, that delivery works, and how oversized,
// fragmented, invalid and compression-bomb messages are closed.
// usage: node ws-frames.mjs http://127.0.0.1:PORT off|on MAX_FRAME_BYTES
import crypto from 'node:crypto';
import net from 'node:net';
import zlib from 'node:zlib';
import WebSocket from 'ws';
import { base, check, fail, post, wsBase } from './lib.mjs';

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

// A WebSocket client on a bare TCP socket, to see the frames as they are on the wire: RSV1 (the
// message is compressed) and the compressed bytes themselves.
function rawSocket(extensions) {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const socket = net.connect(Number(url.port), url.hostname);
    const frames = [];
    let waiter = null;
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    socket.on('error', reject);
    socket.write(`GET /ws HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Extensions: ${extensions}\r\n\r\n`);
    socket.on('data', chunk => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString();
        buffer = buffer.subarray(end + 4);
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error('upgrade refused: ' + head.split('\r\n')[0]));
        upgraded = true;
        const answered = /^sec-websocket-extensions:\s*(.*)$/im.exec(head);
        resolve({
          extensions: answered ? answered[1] : '',
          // the next text message: { compressed, payload (as sent), text }
          next: (ms = 5000) => frames.length ? Promise.resolve(frames.shift()) : new Promise((res, rej) => {
            waiter = res;
            setTimeout(() => rej(new Error(`raw socket: no message within ${ms} ms`)), ms);
          }),
          send: (text) => { // one masked text frame, as a client must send
            const payload = Buffer.from(text); const mask = crypto.randomBytes(4);
            const header = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length])
              : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
            socket.write(Buffer.concat([header, mask, payload.map((b, i) => b ^ mask[i % 4])]));
          },
          close: () => socket.destroy(),
        });
      }
      while (buffer.length >= 2) {
        let length = buffer[1] & 0x7f; let offset = 2;
        if (length === 126) { if (buffer.length < 4) return; length = buffer.readUInt16BE(2); offset = 4; }
        if (length === 127) { if (buffer.length < 10) return; length = Number(buffer.readBigUInt64BE(2)); offset = 10; }
        if (buffer.length < offset + length) return;
        const [fin, compressed, opcode] = [buffer[0] & 0x80, (buffer[0] & 0x40) !== 0, buffer[0] & 0x0f];
        const payload = Buffer.from(buffer.subarray(offset, offset + length));
        buffer = buffer.subarray(offset + length);
        if (opcode !== 1) continue; // pings
        check(fin, 'a whole message in one frame');
        // a fresh inflater for every message: with no context takeover each stands on its own
        const text = (compressed ? zlib.inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]),
          { finishFlush: zlib.constants.Z_SYNC_FLUSH }) : payload).toString();
        const message = { compressed, payload, text, frame: JSON.parse(text) };
        if (waiter) { const w = waiter; waiter = null; w(message); } else frames.push(message);
      }
    });
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
  check(/permessage-deflate/.test(plain.offered) && /server_no_context_takeover/.test(plain.offered)
    && /client_no_context_takeover/.test(plain.offered),
    `compression on: permessage-deflate without context takeover either way, though not asked for: "${plain.offered}"`);

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

// 2b. Many messages to several sockets at once (compressed when negotiated: each message once, the
// same bytes on every socket, each inflating on its own), all intact and in order, whatever each
// socket negotiated.
const many = `frames.${run}.many`;
none.send(JSON.stringify({ type: 'subscribe', topics: [many] }));
plain.send(JSON.stringify({ type: 'subscribe', topics: [many] }));
await Promise.all([none.next('subscribed'), plain.next('subscribed')]);
const raws = [];
for (let i = 0; i < 2; i++) {
  const raw = await rawSocket('permessage-deflate; client_max_window_bits'); // what Chromium offers
  check((raw.extensions !== '') === (mode === 'on'), `raw socket negotiated "${raw.extensions}" with compression ${mode}`);
  if (mode === 'on') {
    check(/server_no_context_takeover/.test(raw.extensions), `no server context takeover: "${raw.extensions}"`);
  }
  check((await raw.next()).frame.type === 'welcome', 'raw socket welcomed');
  raw.send(JSON.stringify({ type: 'subscribe', topics: [many] }));
  check((await raw.next()).frame.type === 'subscribed', 'raw socket subscribed');
  raws.push(raw);
}
const common = 'the same words in every message, which a compressor keeping context would refer back to; '.repeat(8);
const MANY = 60;
for (let n = 0; n < MANY; n++) {
  const sent = await post(`/api/v1/topics/${many}`, { n, text: common + n }, { 'ce-type': 'frames.many' });
  check(sent.status === 202, 'publish accepted');
}
for (let n = 0; n < MANY; n++) {
  const [a, b] = await Promise.all(raws.map(r => r.next()));
  const [viaWs, viaPlain] = await Promise.all([plain.next('event'), none.next('event')]);
  for (const [who, frame] of [['raw', a.frame], ['raw', b.frame], ['ws', viaWs], ['ws without deflate', viaPlain]]) {
    check(frame.type === 'event' && frame.event.data.n === n && frame.event.data.text === common + n,
      `${who}: message ${n} intact and in order: ${JSON.stringify(frame).slice(0, 200)}`);
  }
  check(a.compressed === (mode === 'on') && b.compressed === (mode === 'on'), `message ${n} compressed only when on`);
  if (mode === 'on') {
    check(a.payload.equals(b.payload), `message ${n}: the same compressed bytes on both sockets`);
    check(a.payload.length < a.text.length / 2, `message ${n} compressed: ${a.payload.length} of ${a.text.length} bytes`);
  }
}
raws.forEach(r => r.close());
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
