// A token limited to some topics, over WebSocket and the SockJS bridge: allowed topics work,
// others are refused; with a short-lived token the connections are closed when it expires.
// usage: node auth-clients.mjs http://127.0.0.1:PORT LIMITED_TOKEN SHORT_LIVED_TOKEN SECONDS_LEFT
import { createRequire } from 'node:module';
import { Client, base, check, fail, sleep } from './lib.mjs';

const require = createRequire(import.meta.url);
const EventBus = require('@vertx/eventbus-bridge-client.js');
const [, , , limited, shortLived, secondsLeft] = process.argv;

// no token: the upgrade is refused with 401
try {
  await Client.connect('/ws');
  fail('a WebSocket without a token was accepted');
} catch (e) {
  check(String(e.message).includes('401'), `WebSocket without a token: ${e.message}`);
}

// WebSocket with the orders.* token
const ws = await Client.connect(`/ws?token=${limited}`);
await ws.next('welcome');
ws.send({ type: 'subscribe', topics: ['orders.*'] });
await ws.next('subscribed');
ws.send({ type: 'subscribe', topics: ['users.*'] });
let error = await ws.next('error');
check(error.code === 'forbidden' && error.message.includes('users.*'), `subscribe users.*: ${JSON.stringify(error)}`);
ws.send({ type: 'subscribe', topics: ['orders.#'] });
error = await ws.next('error');
check(error.code === 'forbidden', `orders.# is wider than orders.*: ${JSON.stringify(error)}`);
ws.send({ type: 'publish', topic: 'users.created', data: {} });
error = await ws.next('error');
check(error.code === 'forbidden', `publish users.created: ${JSON.stringify(error)}`);
ws.send({ type: 'publish', topic: 'orders.created', data: { ok: true } });
await ws.next('published');
check((await ws.next('event')).topic === 'orders.created', 'its own allowed publish arrives');
ws.close();

// SockJS bridge with the same token
const eb = new EventBus(`${base}/eventbus?token=${limited}`);
await new Promise((resolve, reject) => { eb.onopen = resolve; setTimeout(() => reject(new Error('bridge did not open')), 5000); })
  .catch(e => fail(e.message));
const errors = [];
let onError = () => {};
eb.onerror = e => { errors.push(e); onError(e); };
const nextError = () => new Promise((resolve, reject) => {
  onError = resolve;
  setTimeout(() => reject(new Error('no error from the bridge within 3 s')), 3000);
}).catch(e => fail(e.message));
const received = new Promise(resolve => eb.registerHandler('switchboard.topic.orders.paid', (err, m) => resolve(m.body)));
let refusal = nextError();
eb.registerHandler('switchboard.topic.users.created', () => fail('a users.* message reached the orders.* token'));
check((await refusal).body === 'rejected', 'registration on users.* rejected');
const reply = await new Promise(resolve => eb.send('switchboard.topics.publish',
  { topic: 'orders.paid', event: { type: 'order.paid', data: { id: 1 } } }, {}, (err, m) => resolve(err || m.body)));
check(reply.id, `allowed publish through the bridge: ${JSON.stringify(reply)}`);
check((await received).type === 'order.paid', 'allowed registration receives');
refusal = nextError();
eb.send('switchboard.topics.publish', { topic: 'users.created', event: { type: 'user.created', data: {} } }, {}, () => {});
check((await refusal).body === 'rejected', 'request to publish on users.* rejected');
refusal = nextError();
eb.publish('switchboard.topic.users.created', { x: 1 }, { 'ce-type': 'user.created' });
check((await refusal).body === 'rejected', 'publish on users.* rejected');
eb.close();

// a short-lived token: both connections are closed when it expires
const started = Date.now();
const expiring = await Client.connect(`/ws?token=${shortLived}`);
await expiring.next('welcome');
const ebShort = new EventBus(`${base}/eventbus?token=${shortLived}`);
const sockjsClosed = new Promise(resolve => { ebShort.onclose = resolve; });
await new Promise(resolve => { ebShort.onopen = resolve; });
const closed = await expiring.awaitClose(Number(secondsLeft) * 1000 + 5000);
check(closed.code === 4401, `WebSocket closed as expired: ${JSON.stringify(closed)}`);
await Promise.race([sockjsClosed, sleep(5000).then(() => fail('SockJS socket not closed at expiry'))]);
const after = (Date.now() - started) / 1000;
check(after <= Number(secondsLeft) + 4, `closed ${after} s after connecting`);
console.log('OK auth-clients');
process.exit(0);
