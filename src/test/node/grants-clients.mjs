// A token limited to the orders-* streams, over WebSocket and the SockJS bridge: what lies outside
// its grants (stream users-42, $all, the users category's announcements) is refused or never
// arrives; what lies inside works.
// usage: node grants-clients.mjs http://127.0.0.1:PORT LIMITED_TOKEN ADMIN_KEY RUN
import { createRequire } from 'node:module';
import { Client, base, check, fail, post } from './lib.mjs';

const require = createRequire(import.meta.url);
const EventBus = require('@vertx/eventbus-bridge-client.js');
const [, , , limited, admin, run] = process.argv;
const asAdmin = { Authorization: `Bearer ${admin}` };

async function append(stream, type) {
  const answer = await post(`/api/v1/streams/${stream}/events`, { type, data: { run } }, asAdmin);
  check(answer.status === 201, `admin append to ${stream}: ${JSON.stringify(answer)}`);
}

// WebSocket: the users category's announcements and every-topic patterns are refused; the orders
// category's arrive, and nothing of users-42 does.
const ws = await Client.connect(`/ws?token=${limited}`);
await ws.next('welcome');
for (const topics of [['streams.users'], ['#'], ['streams.*'], ['*.users']]) {
  ws.send({ type: 'subscribe', topics, ref: topics[0] });
  const refused = await ws.next('error');
  check(refused.code === 'forbidden' && refused.ref === topics[0], `subscribe ${topics}: ${JSON.stringify(refused)}`);
}
ws.send({ type: 'publish', topic: 'streams.users', data: { forged: true }, ref: 'forge' });
const forged = await ws.next('error');
check(forged.code === 'forbidden' && forged.message.includes('event store'), `forged announcement: ${JSON.stringify(forged)}`);
ws.send({ type: 'subscribe', topics: ['streams.orders'] });
await ws.next('subscribed');
await append(`users-${run}`, 'user.renamed');
await append(`orders-ws${run}`, 'order.placed');
const event = await ws.next('event');
check(event.topic === 'streams.orders' && event.event.subject === `orders-ws${run}` && event.event.type === 'order.placed',
  `only the orders announcement arrives: ${JSON.stringify(event)}`);
ws.send({ type: 'ping', ref: 'last' });
check((await ws.next('pong')).ref === 'last', 'nothing else arrived before the pong');
ws.close();

// SockJS bridge, with the official client
const eb = new EventBus(`${base}/eventbus?token=${limited}`);
await new Promise((resolve, reject) => { eb.onopen = resolve; setTimeout(() => reject(new Error('bridge did not open')), 5000); })
  .catch(e => fail(e.message));
let onError = () => {};
eb.onerror = e => onError(e);
const refusal = (what) => new Promise((resolve, reject) => {
  onError = resolve;
  setTimeout(() => reject(new Error(`${what}: no refusal within 3 s`)), 3000);
}).then(e => check(e.body === 'rejected', `${what}: ${JSON.stringify(e)}`)).catch(e => fail(e.message));
const request = (address, body) => new Promise((resolve, reject) => {
  eb.send(address, body, {}, (err, m) => err ? reject(new Error(JSON.stringify(err))) : resolve(m.body));
  setTimeout(() => reject(new Error(`${address}: no answer within 5 s`)), 5000);
}).catch(e => fail(e.message));

let refused = refusal('register for the users announcements');
eb.registerHandler('switchboard.topic.streams.users', () => fail('a users announcement reached the orders-* token'));
await refused;
refused = refusal('watch streams.#');
eb.send('switchboard.topics.watch', { address: `switchboard.watch.${run}`, topics: ['streams.#'] }, {}, () => {});
await refused;
refused = refusal('append to users-42');
eb.send('switchboard.eventstore.append', { stream: 'users-42', events: [{ type: 'user.hijacked', data: {} }] }, {}, () => {});
await refused;
refused = refusal('read $all');
eb.send('switchboard.eventstore.read', { stream: '$all', from_position: 0 }, {}, () => {});
await refused;
refused = refusal('read the users category');
eb.send('switchboard.eventstore.read', { stream: '$all', category: 'users' }, {}, () => {});
await refused;
const appended = await request('switchboard.eventstore.append',
  { stream: `orders-ws${run}`, events: [{ type: 'order.noted', data: { via: 'sockjs' } }] });
check(appended.stream === `orders-ws${run}` && appended.first_version === 1, `append within the grant: ${JSON.stringify(appended)}`);
const read = await request('switchboard.eventstore.read', { stream: '$all', category: 'orders', from_position: 0, limit: 1000 });
check(read.events.length >= 2 && read.events.every(e => e.stream.startsWith('orders-')), `the orders category reads: ${read.events.length}`);
eb.close();
console.log('OK grants-clients');
process.exit(0);
