// A consumer group over the SockJS bridge with the official Vert.x client: register an inbox,
// consume, ack by request; a second socket closed without acking hands its deliveries over.
// usage: node groups-sockjs.mjs http://127.0.0.1:PORT GROUP COUNT
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { base, check, fail } from './lib.mjs';

const require = createRequire(import.meta.url);
const EventBus = require('@vertx/eventbus-bridge-client.js');
const [group, count] = [process.argv[3], Number(process.argv[4])];
setTimeout(() => fail('not done within 30 s'), 30_000);

async function open() {
  const eb = new EventBus(`${base}/eventbus`);
  await new Promise((resolve, reject) => { eb.onopen = resolve; setTimeout(() => reject(new Error('bridge did not open')), 5000); })
    .catch(e => fail(e.message));
  eb.onerror = e => fail('bridge error: ' + JSON.stringify(e));
  return eb;
}
const request = (eb, address, body) => new Promise((resolve, reject) =>
  eb.send(address, body, {}, (err, m) => err ? reject(new Error(JSON.stringify(err))) : resolve(m.body))).catch(e => fail(e.message));

// The first consumer takes a batch and goes away without acking.
const doomed = await open();
const doomedInbox = `switchboard.groups.deliveries.${randomUUID()}`;
const taken = new Promise(resolve => doomed.registerHandler(doomedInbox, (err, m) => resolve(m.body.deliveries)));
await request(doomed, 'switchboard.groups.consume', { group, address: doomedInbox });
const held = (await taken).map(d => d.delivery_id);
check(held.length > 0, 'the first consumer got deliveries');
doomed.close();

const eb = await open();
const inbox = `switchboard.groups.deliveries.${randomUUID()}`;
const attempts = new Map();
let finish;
const done = new Promise(resolve => { finish = resolve; });
eb.registerHandler(inbox, async (err, m) => {
  check(!m.body.error, 'an error for the consumer: ' + JSON.stringify(m.body.error));
  for (const d of m.body.deliveries) attempts.set(d.delivery_id, d.attempt);
  const answer = await request(eb, 'switchboard.groups.ack', { group, ids: m.body.deliveries.map(d => d.delivery_id) });
  check(answer.acked === m.body.deliveries.length, 'acked: ' + JSON.stringify(answer));
  if (attempts.size === count) finish();
});
const consuming = await request(eb, 'switchboard.groups.consume', { group, address: inbox });
check(consuming.group === group, 'consuming: ' + JSON.stringify(consuming));
await done;
for (const id of held) check(attempts.get(id) === 2, `delivery ${id} came again with attempt 2, not ${attempts.get(id)}`);
eb.close();
console.log(`OK groups-sockjs ${attempts.size} ${held.length}`);
process.exit(0);
