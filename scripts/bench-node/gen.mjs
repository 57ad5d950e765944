// Node.js load generator of scripts/bench-fanout node: C clients over T topics, R msg/s published
// over HTTP for S seconds (after a warm-up) from a separate process; prints delivered/expected,
// latency p50/p99, the server's CPU seconds over the publish window (/proc), its heap and RSS per
// connection (idle, after a full GC).
// usage: node gen.mjs hub|sio|ws URL SERVER_PID C T R S DEFLATE(0|1) LABEL
import { execFileSync, fork } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { io } from 'socket.io-client';

const [kind, base, pidArg, cArg, tArg, rArg, sArg, deflateArg, label] = process.argv.slice(2);
const now = () => performance.timeOrigin + performance.now();

if (kind === 'publisher') { // child: publishes R/s for S seconds, reports how many per topic
  const [target, topics, rate, seconds, hub] = [base, Number(pidArg), Number(cArg), Number(tArg), rArg === 'hub'];
  // WARMUP_S: seconds of publishing before the window, so a JVM's JIT compilers are mostly done
  const warmupMs = Number(process.env.WARMUP_S || 3) * 1000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL(target);
  let next = 0; let failed = 0; const sent = new Array(topics).fill(0);
  const publish = (warm) => {
    const topic = next++ % topics;
    if (!warm) sent[topic]++;
    // warm as 1 or 0, not true or false: the measured messages must take the parser down the same
    // branches as the warm-up ones, or a JIT recompiles the path at the start of the window
    const body = JSON.stringify({ sent: now(), warm: warm ? 1 : 0 });
    const req = http.request({ host: url.hostname, port: url.port, agent, method: 'POST',
      path: hub ? `/api/v1/topics/bench.${topic}` : `/publish/bench.${topic}`,
      headers: { 'Content-Type': 'application/json', 'ce-type': 'bench', 'Content-Length': Buffer.byteLength(body) } },
      res => { if (res.statusCode !== 202) failed++; res.resume(); });
    req.on('error', () => failed++);
    req.end(body);
  };
  const phase = (ms, warm) => new Promise(resolve => {
    const start = performance.now(); let done = 0;
    const timer = setInterval(() => {
      const due = Math.floor((performance.now() - start) / 1000 * rate);
      while (done < due && done < rate * ms / 1000) { publish(warm); done++; }
      if (performance.now() - start >= ms) { clearInterval(timer); resolve(); }
    }, 5);
  });
  process.on('message', async (m) => {
    if (m === 'warm') { await phase(warmupMs, true); process.send({ warmed: true }); }
    if (m === 'measure') { await phase(seconds * 1000, false); process.send({ sent, failed }); }
  });
} else {
  const pid = Number(pidArg); const C = Number(cArg); const T = Number(tArg); const R = Number(rArg); const S = Number(sArg);
  const deflate = deflateArg === '1';
  const cpu = () => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
  // the kernel's part (system calls: each delivery is a socket write, for every server alike)
  const sys = () => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[12]) / 100;
  // CPU by thread kind (event loops, JIT compilers, GC, ...): where a server's CPU went in the window
  const threads = () => {
    const byKind = new Map();
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
        const kind = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim().replace(/[#-]?\d+$/, '').replace(/[-#]$/, '');
        byKind.set(kind, (byKind.get(kind) || 0) + (Number(f[11]) + Number(f[12])) / 100);
      } catch { /* the thread ended */ }
    }
    return byKind;
  };
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
  const heap = async () => {
    if (kind === 'hub') {
      execFileSync('jcmd', [String(pid), 'GC.run']);
      const info = execFileSync('jcmd', [String(pid), 'GC.heap_info']).toString();
      return Number(/used (\d+)K/.exec(info)[1]) * 1024;
    }
    return (await (await fetch(`${base}/stats`)).json()).heap_used;
  };
  const sleep = ms => new Promise(r => setTimeout(r, ms));

  // TAILS=1: also when the late deliveries were sent, to line them up with the server's GC log
  const tails = process.env.TAILS ? [] : null;
  const latencies = []; let measuring = false; let delivered = 0; let warmDelivered = 0;
  const onData = (data) => {
    if (data.warm) { warmDelivered++; return; }
    if (!measuring) return;
    delivered++; const latency = now() - data.sent; latencies.push(latency);
    if (tails) tails.push([data.sent, latency]);
  };
  await sleep(500);
  const heap0 = await heap(); const rss0 = rss();
  const subscribers = new Array(T).fill(0);
  const connect = (i) => new Promise((resolve, reject) => {
    const topic = `bench.${i % T}`; subscribers[i % T]++;
    if (kind === 'sio') {
      const s = io(base, { transports: ['websocket'], reconnection: false, perMessageDeflate: deflate });
      s.on('connect', () => s.emit('subscribe', [topic], resolve));
      s.on('event', m => onData(m.data));
      s.on('connect_error', reject);
      return;
    }
    const ws = new WebSocket(kind === 'hub' ? base.replace(/^http/, 'ws') + '/ws' : base.replace(/^http/, 'ws'),
      { perMessageDeflate: deflate });
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', topics: [topic] })));
    ws.on('message', raw => {
      const text = raw.toString();
      if (text.startsWith('{"type":"subscribed"')) { resolve(ws); return; }
      if (!text.startsWith('{"type":"event"')) return;
      const frame = JSON.parse(text);
      onData(kind === 'hub' ? frame.event.data : frame.data);
    });
  });
  const t0 = performance.now();
  for (let i = 0; i < C; i += 250) {
    await Promise.all(Array.from({ length: Math.min(250, C - i) }, (_, k) => connect(i + k)));
  }
  const connectMs = performance.now() - t0;
  await sleep(1000);
  const heap1 = await heap(); const rss1 = rss();

  const publisher = fork(fileURLToPath(import.meta.url), ['publisher', base, String(T), String(R), String(S), kind]);
  const reply = () => new Promise(resolve => publisher.once('message', resolve));
  publisher.send('warm'); await reply(); await sleep(1000);
  const cpu0 = cpu(); const sys0 = sys(); const threads0 = threads(); measuring = true; const window0 = new Date();
  publisher.send('measure'); const { sent, failed } = await reply();
  await sleep(3000); measuring = false; const cpu1 = cpu(); const sys1 = sys(); const threads1 = threads(); const window1 = new Date();
  publisher.kill();
  const expected = sent.reduce((sum, n, t) => sum + n * subscribers[t], 0);
  latencies.sort((a, b) => a - b);
  const pct = p => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(1) : 'n/a';
  const sentTotal = sent.reduce((a, b) => a + b, 0);
  if (tails && latencies.length) {
    const p99 = latencies[Math.floor(latencies.length * 0.99)]; const late = new Map();
    for (const [at, ms] of tails) if (ms >= p99) { const bin = Math.floor(at / 100) * 100; late.set(bin, (late.get(bin) || 0) + 1); }
    const bins = [...late].sort((a, b) => b[1] - a[1]);
    console.log(`${''.padEnd(28)} deliveries at or over p99 by 100 ms of publishing (${bins.length} bins): ` +
      bins.slice(0, 12).map(([bin, n]) => `${new Date(bin).toISOString().slice(11, 23)} ${n}`).join(', '));
  }
  console.log(`${label.padEnd(28)} delivered ${delivered}/${expected}  p50 ${pct(0.5)} ms  p99 ${pct(0.99)} ms  ` +
    `cpu ${(cpu1 - cpu0).toFixed(1)} s (${((cpu1 - cpu0) / Math.max(1, delivered) * 1e6).toFixed(1)} us/delivery, system ${(sys1 - sys0).toFixed(1)} s)  ` +
    `heap/conn ${((heap1 - heap0) / C / 1024).toFixed(1)} KB  rss/conn ${((rss1 - rss0) / C / 1024).toFixed(1)} KB  ` +
    `connect ${connectMs.toFixed(0)} ms  publish failures ${failed}/${sentTotal}`);
  const split = [...threads1].map(([kind, s]) => [kind, s - (threads0.get(kind) || 0)]).filter(([, s]) => s >= 0.05)
    .sort((a, b) => b[1] - a[1]).slice(0, 6).map(([kind, s]) => `${kind} ${s.toFixed(1)} s`).join(', ');
  console.log(`${''.padEnd(28)} server CPU by thread: ${split}`);
  // the window's wall-clock bounds, to cut a profile or a compilation log of the server to it
  console.log(`${''.padEnd(28)} window ${window0.toISOString()} – ${window1.toISOString()}`);
  process.exit(0);
}
