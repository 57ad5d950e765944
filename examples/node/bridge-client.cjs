// A Node.js service on the hub over the SockJS event-bus bridge, with the official Vert.x client.
// It follows a topic pattern (a watch), publishes with an acknowledgement, and prints what it saw.
//
//   npm install && node bridge-client.cjs http://127.0.0.1:8080 [token]
const EventBus = require('@vertx/eventbus-bridge-client.js');
const { randomUUID } = require('node:crypto');

const [hub = 'http://127.0.0.1:8080', token] = process.argv.slice(2);
const eb = new EventBus(`${hub}/eventbus${token ? `?token=${encodeURIComponent(token)}` : ''}`);

function request(address, body) {
  return new Promise((resolve, reject) => eb.send(address, body, {}, (err, reply) => (err ? reject(err) : resolve(reply.body))));
}

eb.onopen = async () => {
  const run = randomUUID().slice(0, 8);
  // The bridge knows exact addresses only: a watch sends every message matching a pattern to ours.
  const inbox = `switchboard.watch.${randomUUID()}`;
  const seen = new Promise((resolve) => eb.registerHandler(inbox, (err, message) =>
    resolve({ topic: message.headers.topic, event: message.body })));
  await request('switchboard.topics.watch', { address: inbox, topics: [`examples.node.${run}.#`] });

  const accepted = await request('switchboard.topics.publish', {
    topic: `examples.node.${run}.hello`,
    event: { type: 'node.said', data: { from: 'node' } },
  });
  console.log(JSON.stringify({ published: accepted }));
  console.log(JSON.stringify({ received: await seen }));
  eb.close();
};
eb.onerror = (error) => {
  console.error(JSON.stringify({ error }));
  process.exitCode = 1;
};
