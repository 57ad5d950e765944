// Receives the hub's webhooks on 127.0.0.1 and verifies every signature with the `standardwebhooks`
// package (an implementation independent of the hub), through a secret rotation.
// Usage: node webhook-verify.mjs http://127.0.0.1:PORT EVENTS
// Registers an endpoint for sig.*, publishes EVENTS topic messages and appends EVENTS store events,
// and checks each arrives exactly once with a valid signature; then rotates the secret and checks
// the next event is signed by both secrets (and a tampered body by neither). Prints a JSON summary.
import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { base, check, fail, post, sleep } from './lib.mjs';

const count = Number(process.argv[3] || 20);
const received = new Map();   // webhook-id -> {payload, headers}
const failures = [];

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const payload = Buffer.concat(chunks).toString('utf8');
    const headers = { 'webhook-id': req.headers['webhook-id'], 'webhook-timestamp': req.headers['webhook-timestamp'],
      'webhook-signature': req.headers['webhook-signature'] };
    const id = headers['webhook-id'];
    const seen = received.get(id);
    received.set(id, { payload, headers, times: seen ? seen.times + 1 : 1 });
    res.writeHead(204).end();
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/hook`;

async function call(method, path, body) {
  const response = await fetch(base + path, { method, headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

async function awaitReceived(n, what) {
  const deadline = Date.now() + 30000;
  while (received.size < n) {
    if (Date.now() > deadline) fail(`only ${received.size} of ${n} webhooks arrived (${what})`);
    await sleep(20);
  }
}

function verify(secret, entry) {
  try {
    return new Webhook(secret).verify(entry.payload, entry.headers);
  } catch (e) {
    return null;
  }
}

const created = await call('POST', '/api/v1/webhooks', { url, events: ['sig.*'], description: 'standardwebhooks check' });
check(created.status === 201, `create answered ${created.status}: ${JSON.stringify(created.body)}`);
const { id, secret } = created.body;
check(/^whsec_/.test(secret), `the secret is not whsec_…: ${secret}`);

const topicIds = [];
for (let i = 0; i < count; i++) {
  const r = await post(`/api/v1/topics/sig.topic`, { n: i }, { 'ce-type': 'sig.published' });
  check(r.status === 202, `publish answered ${r.status}`);
  topicIds.push(r.body.id);
}
const stream = `sig-${Date.now()}`;
const events = Array.from({ length: count }, (_, i) => ({ type: 'sig.stored', data: { n: i } }));
const appended = await post(`/api/v1/streams/${stream}/events`, events);
check(appended.status === 201, `append answered ${appended.status}: ${JSON.stringify(appended.body)}`);

await awaitReceived(2 * count, 'topic messages and store events');
await sleep(300);   // anything sent twice would arrive now
const eventIds = new Map();
for (const [webhookId, entry] of received) {
  check(entry.times === 1, `webhook-id ${webhookId} arrived ${entry.times} times`);
  const event = verify(secret, entry);
  if (!event) failures.push(`signature of ${webhookId} does not verify`);
  else eventIds.set(event.id, (eventIds.get(event.id) || 0) + 1);
}
check(received.size === 2 * count, `expected ${2 * count} webhooks, got ${received.size}`);
for (const topicId of topicIds) check(eventIds.get(topicId) === 1, `topic message ${topicId} arrived ${eventIds.get(topicId)} times`);
const stored = [...received.values()].map((e) => JSON.parse(e.payload)).filter((e) => e.type === 'sig.stored');
check(stored.length === count, `${stored.length} store events arrived, expected ${count}`);
check(stored.every((e) => e.subject === stream && typeof e.position === 'number'), 'store events carry subject and position');

// Rotation: both signatures during the grace period.
const rotated = await call('POST', `/api/v1/webhooks/${id}/secret/rotate`, {});
check(rotated.status === 200, `rotate answered ${rotated.status}: ${JSON.stringify(rotated.body)}`);
check(rotated.body.secret !== secret && /^whsec_/.test(rotated.body.secret), 'rotation gives a new secret');
const before = received.size;
const last = await post(`/api/v1/topics/sig.topic`, { n: 'after rotation' }, { 'ce-type': 'sig.rotated' });
check(last.status === 202, `publish answered ${last.status}`);
await awaitReceived(before + 1, 'the event after the rotation');
const after = [...received.values()].find((e) => JSON.parse(e.payload).id === last.body.id);
check(after.headers['webhook-signature'].split(' ').length === 2, `two signatures during the rotation: ${after.headers['webhook-signature']}`);
if (!verify(rotated.body.secret, after)) failures.push('the new secret does not verify the event after the rotation');
if (!verify(secret, after)) failures.push('the old secret does not verify the event during the grace period');
if (verify(secret, { ...after, payload: after.payload.replace('after rotation', 'after rotatioN') })) {
  failures.push('a tampered body verified');
}

server.close();
if (failures.length) fail(failures.join('; '));
console.log(JSON.stringify({ verified: received.size, endpoint: id }));
