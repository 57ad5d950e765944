// Opens C WebSocket clients on the hub (each subscribed to one of T topics, npm ws defaults:
// permessage-deflate offered) and keeps them open until stdin closes: for class histograms of the
// hub with idle connections (scripts/bench-fanout node measures the same connections under load).
// usage: node hold.mjs URL C T
import WebSocket from 'ws';

const [base, cArg, tArg] = process.argv.slice(2);
const C = Number(cArg); const T = Number(tArg);
const sockets = [];
const connect = (i) => new Promise((resolve, reject) => {
  const ws = new WebSocket(base.replace(/^http/, 'ws') + '/ws');
  ws.on('error', reject);
  ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', topics: [`bench.${i % T}`] })));
  ws.on('message', raw => { if (raw.toString().startsWith('{"type":"subscribed"')) resolve(); });
  sockets.push(ws);
});
for (let i = 0; i < C; i += 250) {
  await Promise.all(Array.from({ length: Math.min(250, C - i) }, (_, k) => connect(i + k)));
}
console.log(`open ${C}`);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
