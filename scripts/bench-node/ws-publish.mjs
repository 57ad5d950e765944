// WebSocket publishes, as a browser or a Node service sends them: C connections (npm ws at its
// defaults, permessage-deflate offered), each keeping K `publish` frames in flight and counting the
// `published` acknowledgements, W seconds of warm-up then S seconds measured; prints acks/s, p50/p99
// from frame sent to its acknowledgement, and the server's CPU per publish (/proc/PID/stat).
// usage: node ws-publish.mjs URL SERVER_PID C K W S LABEL
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const [base, pidArg, cArg, kArg, wArg, sArg, label] = process.argv.slice(2);
const [pid, connections, inFlight, warmupS, seconds] = [pidArg, cArg, kArg, wArg, sArg].map(Number);
const cpuTicks = () => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return Number(f[11]) + Number(f[12]); };

const warmEnd = performance.now() + warmupS * 1000;
const end = warmEnd + seconds * 1000;
let acked = 0; let failed = 0; const latencies = [];

function client(index) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws`);
    const sentAt = new Map(); let ref = 0;
    const send = () => {
      if (performance.now() >= end) { if (sentAt.size === 0) { ws.close(); } return; }
      const r = ref++;
      sentAt.set(r, performance.now());
      ws.send(JSON.stringify({ type: 'publish', topic: `bench.ws.${index % 8}`, event_type: 'bench.ws', data: { n: r, text: 'x'.repeat(64) }, ref: r }));
    };
    ws.on('message', (raw) => {
      const frame = JSON.parse(raw);
      if (frame.type === 'welcome') { for (let i = 0; i < inFlight; i++) send(); return; }
      if (frame.type !== 'published' && frame.type !== 'error') return;
      const started = sentAt.get(frame.ref); sentAt.delete(frame.ref);
      const now = performance.now();
      if (started >= warmEnd && now <= end) {
        if (frame.type === 'published') { acked++; latencies.push(now - started); } else { failed++; }
      }
      send();
    });
    ws.on('close', resolve);
    ws.on('error', reject);
  });
}

const clients = Array.from({ length: connections }, (_, i) => client(i));
await new Promise(r => setTimeout(r, Math.max(0, warmEnd - performance.now())));
const cpuBefore = cpuTicks(); const wallBefore = performance.now();
await new Promise(r => setTimeout(r, Math.max(0, end - performance.now())));
const cpuSeconds = (cpuTicks() - cpuBefore) / 100; const wall = (performance.now() - wallBefore) / 1000;
await Promise.all(clients);
latencies.sort((a, b) => a - b);
const pct = q => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2) : '-';
console.log(`${label.padEnd(6)} ${connections} connections x ${inFlight} in flight: ${(acked / seconds).toFixed(0).padStart(6)} publishes/s`
  + `  p50 ${pct(0.5)} ms  p99 ${pct(0.99)} ms  server CPU ${(100 * cpuSeconds / wall).toFixed(0)} % of a core,`
  + ` ${(1e6 * cpuSeconds / Math.max(1, acked)).toFixed(1)} µs/publish  (${failed} refused)`);
