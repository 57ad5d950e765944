// Emmett 0.42 (@event-driven-io/emmett-postgresql) as a baseline for the hub's appends, in the
// database of the connection string, one fresh database per mode (the caller creates and drops it;
// Emmett's migration skips its functions when another schema of the database has them):
//   node emmett.mjs inprocess PG_URI WRITERS WARMUP SECONDS   WRITERS loops appending in this process
//   node emmett.mjs server PG_URI PORT                        the hub's append route over node:http
// Both append what RestAppendBench appends: single events to a stream of the writer's own, with
// the exact expected version. Versions are the hub's (zero-based: no_stream, then 0, 1, …); Emmett
// counts events (a stream with one event is at 1), so the server adds one on the way in.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { STREAM_DOES_NOT_EXIST, isExpectedVersionConflictError } from '@event-driven-io/emmett';

const [mode, pgUri, ...rest] = process.argv.slice(2);
const store = getPostgreSQLEventStore(pgUri);
const TICKS = 100; // USER_HZ

/** utime + stime of this process in clock ticks, from /proc (as the hub's figure is taken). */
const cpuTicks = () => {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
};

const expectedOf = (header) => (header === undefined || header === 'no_stream' ? STREAM_DOES_NOT_EXIST
  : /^\d+$/.test(header) ? BigInt(header) + 1n : undefined);

if (mode === 'server') {
  const port = Number(rest[0]);
  const route = /^\/api\/v1\/streams\/([A-Za-z0-9_.:-]{1,200})\/events$/;
  const reply = (res, status, body) => {
    const bytes = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': status < 300 ? 'application/json' : 'application/problem+json',
      'Content-Length': Buffer.byteLength(bytes) });
    res.end(bytes);
  };
  // The schema is created before the first request, not inside the measured window.
  await store.appendToStream(`warmup-${process.pid}`, [{ type: 'bench.started', data: {} }]);
  http.createServer((req, res) => {
    const match = req.method === 'POST' ? route.exec(req.url) : null;
    if (!match) {
      return reply(res, 404, { type: 'urn:switchboard:problem:not-found', status: 404 });
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      let events;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        events = (Array.isArray(body) ? body : [body]).map((e) => ({ type: e.type, data: e.data ?? {} }));
      } catch {
        return reply(res, 400, { type: 'urn:switchboard:problem:malformed-json', status: 400 });
      }
      const expected = expectedOf(req.headers['expected-version']);
      if (expected === undefined || events.some((e) => typeof e.type !== 'string')) {
        return reply(res, 422, { type: 'urn:switchboard:problem:invalid-append', status: 422 });
      }
      try {
        const result = await store.appendToStream(match[1], events, { expectedStreamVersion: expected });
        const last = result.nextExpectedStreamVersion - 1n;
        reply(res, 201, { stream: match[1], first_version: Number(last) - events.length + 1, last_version: Number(last),
          position: Number(result.lastEventGlobalPosition) });
      } catch (e) {
        if (isExpectedVersionConflictError(e)) {
          // Emmett 0.42 does not say the stream's current version (it reports -1), so neither does this.
          return reply(res, 409, { type: 'urn:switchboard:problem:wrong-expected-version', status: 409 });
        }
        console.error(e);
        reply(res, 500, { type: 'urn:switchboard:problem:internal', status: 500, detail: String(e) });
      }
    });
  }).listen(port, '127.0.0.1', () => console.log(`emmett server on ${port}, pid ${process.pid}`));
} else if (mode === 'inprocess') {
  const [writers, warmup, seconds] = rest.map(Number);
  const run = Date.now().toString(36);
  await store.appendToStream(`warmup-${run}`, [{ type: 'bench.started', data: {} }]);
  const start = process.hrtime.bigint();
  const warmEnd = start + BigInt(warmup) * 1_000_000_000n;
  const end = warmEnd + BigInt(seconds) * 1_000_000_000n;
  const latencies = [];
  let measured = 0;
  let failures = 0;
  const writer = async (w) => {
    const stream = `order-em${run}w${w}`;
    let expected = STREAM_DOES_NOT_EXIST;
    for (let n = 0; ; n++) {
      const started = process.hrtime.bigint();
      if (started >= end) {
        return;
      }
      try {
        const result = await store.appendToStream(stream, [{ type: 'order.placed',
          data: { order_id: `${stream}-${n}`, amount: 125, currency: 'EUR' } }], { expectedStreamVersion: expected });
        expected = result.nextExpectedStreamVersion;
        const now = process.hrtime.bigint();
        if (started >= warmEnd && now <= end) {
          measured++;
          latencies.push(Number(now - started) / 1e6);
        }
      } catch (e) {
        if (failures++ === 0) {
          console.error(stream, e.message);
        }
      }
    }
  };
  const loops = Array.from({ length: writers }, (_, w) => writer(w));
  await new Promise((r) => setTimeout(r, Number(warmEnd - process.hrtime.bigint()) / 1e6));
  const cpuBefore = cpuTicks();
  const wallBefore = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, Math.max(0, Number(end - process.hrtime.bigint()) / 1e6)));
  const cpuSeconds = (cpuTicks() - cpuBefore) / TICKS;
  const wall = Number(process.hrtime.bigint() - wallBefore) / 1e9;
  await Promise.all(loops);
  latencies.sort((a, b) => a - b);
  const pct = (q) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : 0);
  console.log(`emmett in-process x${writers} ${(measured / seconds).toFixed(0).padStart(9)} appends/s  p50 ${pct(0.5).toFixed(2).padStart(6)} ms`
    + `  p99 ${pct(0.99).toFixed(2).padStart(6)} ms  server CPU ${(100 * cpuSeconds / wall).toFixed(0).padStart(3)} % of a core,`
    + ` ${(measured ? 1e6 * cpuSeconds / measured : 0).toFixed(0).padStart(4)} µs/append  (${failures} failed)`);
  await store.close();
  process.exit(0);
} else {
  console.error('usage: emmett.mjs inprocess PG_URI WRITERS WARMUP SECONDS | server PG_URI PORT');
  process.exit(2);
}
