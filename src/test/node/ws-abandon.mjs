// Clients that give up during a storm: N upgrade requests, each socket destroyed 2 ms after it is
// sent (most before the hub's paced handshake); then the hub holds no WebSocket for them.
// usage: node ws-abandon.mjs http://127.0.0.1:PORT N
import net from 'node:net';
import { base, check, sleep } from './lib.mjs';

const n = Number(process.argv[3]);
const { hostname, port } = new URL(base);
const sockets = [];
for (let i = 0; i < n; i++) {
  const s = net.connect(Number(port), hostname, () => {
    s.write(`GET /ws HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
      + `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    setTimeout(() => s.destroy(), 2);
  });
  s.on('error', () => {});
  sockets.push(s);
}
await sleep(3000);
const metrics = await (await fetch(`${base}/metrics`)).text();
const open = metrics.split('\n').find(l => l.startsWith('switchboard_connections{') && l.includes('"websocket"'));
console.log(open);
check(open && Number(open.trim().split(' ').pop()) === 0, `no WebSocket left open: ${open}`);
console.log('OK ws-abandon');
