// Baseline servers for scripts/bench-fanout node, each run as its own process:
//   node servers.mjs sio PORT   Socket.IO 4.8 with rooms: a client emits 'subscribe' [topics], the
//                               server joins it to those rooms; POST /publish/{topic} -> io.to(topic).emit
//   node servers.mjs ws PORT    bare npm ws broadcast: {"type":"subscribe","topics":[...]}; POST
//                               /publish/{topic} sends the body to the topic's sockets
// Both: GET /stats -> {heap_used, rss} after a full GC (run with --expose-gc).
import http from 'node:http';
import { Server } from 'socket.io';
import { WebSocketServer } from 'ws';

const [kind, port] = [process.argv[2], Number(process.argv[3])];
const topics = new Map(); // ws: topic -> Set of sockets

function body(req) {
  return new Promise(resolve => {
    const chunks = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

let io;
const server = http.createServer(async (req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    global.gc();
    const m = process.memoryUsage();
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ heap_used: m.heapUsed, rss: m.rss }));
    return;
  }
  if (req.method === 'POST' && req.url.startsWith('/publish/')) {
    const topic = decodeURIComponent(req.url.slice('/publish/'.length));
    const data = await body(req);
    if (kind === 'sio') {
      io.to(topic).emit('event', { topic, data: JSON.parse(data) });
    } else {
      const frame = `{"type":"event","topic":"${topic}","data":${data}}`;
      for (const ws of topics.get(topic) || []) ws.send(frame);
    }
    res.writeHead(202, { 'Content-Type': 'application/json' });
    res.end('{}');
    return;
  }
  res.writeHead(404);
  res.end();
});

if (kind === 'sio') {
  io = new Server(server, { transports: ['websocket'] });
  io.on('connection', socket => socket.on('subscribe', (list, ack) => { socket.join(list); ack && ack(); }));
} else {
  const wss = new WebSocketServer({ server }); // perMessageDeflate: false is the ws server default
  wss.on('connection', ws => {
    const mine = [];
    ws.on('message', data => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'subscribe') {
        for (const t of frame.topics) {
          if (!topics.has(t)) topics.set(t, new Set());
          topics.get(t).add(ws);
          mine.push(t);
        }
        ws.send('{"type":"subscribed"}');
      }
    });
    ws.on('close', () => mine.forEach(t => topics.get(t).delete(ws)));
  });
}
server.listen(port, '127.0.0.1', () => console.log(`${kind} listening on ${port}`));
