// A consumer of a consumer group over the WebSocket, with the `ws` package: it says which group it
// consumes, handles each delivery, and acks it. If it disconnects, what it held goes to the
// group's other consumers at once (same delivery_id, attempt + 1).
//
//   npm install && node group-consumer.cjs http://127.0.0.1:8080 billing [count] [token]
const WebSocket = require('ws');

const [hub = 'http://127.0.0.1:8080', group = 'billing', count = '0', token] = process.argv.slice(2);
const limit = Number(count);
const ws = new WebSocket(`${hub.replace(/^http/, 'ws')}/ws`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
let handled = 0;

ws.on('open', () => ws.send(JSON.stringify({ type: 'consume', group })));
ws.on('message', (data) => {
  const frame = JSON.parse(data);
  if (frame.type === 'error') {
    console.error(JSON.stringify(frame));
  } else if (frame.type === 'deliveries') {
    const ids = [];
    for (const { delivery_id: id, attempt, event } of frame.deliveries) {
      console.log(JSON.stringify({ handled: { position: event.position, stream: event.stream, type: event.type, attempt } }));
      ids.push(id);
    }
    ws.send(JSON.stringify({ type: 'ack', ids }));
    handled += ids.length;
    if (limit > 0 && handled >= limit) {
      // closing gives back anything delivered but not acked: nothing here
      setTimeout(() => ws.close(), 200);
    }
  }
});
ws.on('close', () => process.exit(0));
