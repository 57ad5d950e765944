// Three (and more) WebSocket clients walk the whole rooms protocol of API.md against a live hub.
// usage: node ws-rooms.mjs http://127.0.0.1:PORT HEARTBEAT_MS
import { Client, check, fail, get, post } from './lib.mjs';

const heartbeatMs = Number(process.argv[3] || 15000);
const run = Math.random().toString(36).slice(2, 8);
const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(n => `${n}-${run}`);
const room = `room-${run}`;

const a = await Client.connect(`/ws/${alice}`);
const b = await Client.connect(`/ws/${bob}`);
const c = await Client.connect(`/ws/${carol}`);
check((await a.next('welcome')).client_id === alice, 'alice is welcomed by name');
await b.next('welcome');
await c.next('welcome');
const anon = await Client.connect('/ws');
const anonId = (await anon.next('welcome')).client_id;
check(/^[A-Za-z0-9_.:-]{1,128}$/.test(anonId), `a client without an id gets one: ${anonId}`);

// joining: the joiner gets the member list, the others user_joined
a.send({ type: 'join_room', room });
check(JSON.stringify((await a.next('joined')).members) === JSON.stringify([alice]), 'alice alone in the room');
b.send({ type: 'join_room', room });
check(JSON.stringify((await b.next('joined')).members) === JSON.stringify([alice, bob].sort()), 'bob sees alice');
let joined = await a.next('user_joined');
check(joined.user_id === bob && joined.room === room, `alice told bob joined: ${JSON.stringify(joined)}`);
c.send({ type: 'join_room', room });
check((await c.next('joined')).members.length === 3, 'carol sees three members');
check((await a.next('user_joined')).user_id === carol, 'alice told carol joined');
check((await b.next('user_joined')).user_id === carol, 'bob told carol joined');
let members = await get(`/api/v1/rooms/${room}`);
check(members.status === 200 && JSON.stringify(members.body.members) === JSON.stringify([alice, bob, carol].sort()),
  `REST lists the members: ${JSON.stringify(members.body)}`);

// a room message reaches every member, sender included
b.send({ type: 'room_message', room, content: { text: 'hello' } });
for (const client of [a, b, c]) {
  const m = await client.next('message');
  check(m.room === room && m.from === bob && m.content.text === 'hello' && m.timestamp, `room message: ${JSON.stringify(m)}`);
}
c.send({ type: 'room_message', room: `other-${run}`, content: 'x', ref: 'r1' });
const notMember = await c.next('error');
check(notMember.code === 'not-a-member' && notMember.ref === 'r1', `not a member: ${JSON.stringify(notMember)}`);

// REST: personal, room and broadcast messages
let response = await post(`/api/v1/clients/${alice}/messages`, { content: 'psst', from: 'ops' });
check(response.status === 202, `personal message accepted: ${response.status}`);
let m = await a.next('message');
check(m.content === 'psst' && m.from === 'ops' && m.room === undefined, `personal message: ${JSON.stringify(m)}`);
response = await post(`/api/v1/clients/nobody-${run}/messages`, { content: 'x' });
check(response.status === 404 && response.body.type === 'urn:switchboard:problem:not-found', 'unknown client is 404');
response = await post(`/api/v1/rooms/${room}/messages`, { content: 'to the room' });
check(response.status === 202, 'room message accepted');
for (const client of [a, b, c]) {
  m = await client.next('message');
  check(m.room === room && m.from === 'server' && m.content === 'to the room', `REST room message: ${JSON.stringify(m)}`);
}
response = await post('/api/v1/broadcast', { content: 'everyone' });
check(response.status === 202, 'broadcast accepted');
for (const client of [a, b, c, anon]) {
  check((await client.next('message')).content === 'everyone', 'broadcast reaches every client');
}

// leaving
c.send({ type: 'leave_room', room });
await c.next('left');
check((await a.next('user_left')).user_id === carol, 'alice told carol left');
check((await b.next('user_left')).user_id === carol, 'bob told carol left');
members = await get(`/api/v1/rooms/${room}`);
check(JSON.stringify(members.body.members) === JSON.stringify([alice, bob].sort()), 'carol is no longer listed');

// bad frames get an error frame, never a dropped socket
const bad = [
  ['not json', 'malformed-frame'],
  ['[1,2]', 'malformed-frame'],
  [JSON.stringify({ type: 'bogus' }), 'unknown-type'],
  [JSON.stringify({ content: 1 }), 'malformed-frame'],
  [JSON.stringify({ type: 'join_room' }), 'invalid-room'],
  [JSON.stringify({ type: 'join_room', room: 'bad room!' }), 'invalid-room'],
  [JSON.stringify({ type: 'subscribe', topics: ['a..b'] }), 'invalid-pattern'],
  [JSON.stringify({ type: 'subscribe' }), 'malformed-frame'],
  [JSON.stringify({ type: 'publish', topic: 'a.*', data: 1 }), 'invalid-topic'],
  [JSON.stringify({ type: 'publish', topic: 'a', event: { type: '' } }), 'invalid-event'],
];
for (const [frame, code] of bad) {
  c.send(frame);
  const error = await c.next('error');
  check(error.code === code && error.message, `${frame} -> ${code}, got ${JSON.stringify(error)}`);
}
c.send({ type: 'ping', ref: 42 });
check((await c.next('pong')).ref === 42, 'still open: ping answered');

// topics over WebSocket
a.send({ type: 'subscribe', topics: [`ws.${run}.*`, `ws.${run}.#`] });
check(JSON.stringify((await a.next('subscribed')).topics) === JSON.stringify([`ws.${run}.*`, `ws.${run}.#`]), 'subscribed');
b.send({ type: 'publish', topic: `ws.${run}.x`, data: { n: 1 }, event_type: 'demo.said', ref: 'p1' });
const published = await b.next('published');
check(published.ref === 'p1' && published.id, `publish acknowledged: ${JSON.stringify(published)}`);
const event = await a.next('event');
check(event.topic === `ws.${run}.x` && event.event.id === published.id && event.event.type === 'demo.said'
  && event.event.data.n === 1, `event arrives once with the envelope: ${JSON.stringify(event)}`);
response = await post(`/api/v1/topics/ws.${run}.y`, { n: 2 }, { 'ce-type': 'demo.rest' });
check((await a.next('event')).event.data.n === 2, 'a REST publish reaches the WebSocket subscriber');
a.send({ type: 'unsubscribe', topics: [`ws.${run}.*`, `ws.${run}.#`] });
check((await a.next('unsubscribed')).topics.length === 0, 'unsubscribed');

// a dead peer (never answers pings) is dropped within two heartbeat intervals and leaves its rooms
const dave = `dave-${run}`;
const d = await Client.connect(`/ws/${dave}`, { autoPong: false });
await d.next('welcome');
d.send({ type: 'join_room', room });
await d.next('joined');
await a.next('user_joined');
await b.next('user_joined');
const silentSince = Date.now();
await d.awaitClose(2 * heartbeatMs + 3000);
const droppedAfter = Date.now() - silentSince;
check(droppedAfter <= 2 * heartbeatMs + 2000, `dead peer dropped after ${droppedAfter} ms`);
check((await a.next('user_left', 3000)).user_id === dave, 'alice told the dead peer left');
check((await b.next('user_left', 3000)).user_id === dave, 'bob told the dead peer left');

// the same client id connecting again replaces the older connection
const closing = a.awaitClose(5000);
const a2 = await Client.connect(`/ws/${alice}`);
await a2.next('welcome');
const closed = await closing;
check(closed.code === 4001, `older connection closed as replaced: ${JSON.stringify(closed)}`);

// a server-assigned id: personal messages reach it; forged ids of its shape are unknown clients
response = await post(`/api/v1/clients/${anonId}/messages`, { content: 'to the anonymous one' });
check(response.status === 202, `personal message to an assigned id accepted: ${response.status}`);
check((await anon.next('message')).content === 'to the anonymous one', 'the assigned id gets its message');
const forged = anonId.replace(/.$/, (ch) => (ch === '0' ? '1' : '0'));
response = await post(`/api/v1/clients/${forged}/messages`, { content: 'x' });
check(response.status === 404 && response.body.type === 'urn:switchboard:problem:not-found', `forged assigned id is 404: ${response.status}`);
// reconnecting with the id it was given replaces the older connection, and messages follow
const anonClosing = anon.awaitClose(5000);
const anon2 = await Client.connect(`/ws/${anonId}`);
check((await anon2.next('welcome')).client_id === anonId, 'a client may reconnect with its assigned id');
check((await anonClosing).code === 4001, 'the assigned id\'s older connection is replaced (4001)');
response = await post(`/api/v1/clients/${anonId}/messages`, { content: 'after reconnect' });
check(response.status === 202, `personal message after reconnect: ${response.status}`);
check((await anon2.next('message')).content === 'after reconnect', 'the reconnected client gets it');
anon2.close();
await anon2.awaitClose(5000);
const other = await Client.connect('/ws');
const otherId = (await other.next('welcome')).client_id;
other.close();
await other.awaitClose(5000);
for (const gone of [anonId, otherId]) {
  let answer;
  const until = Date.now() + 5000; // the hub learns of the close a moment after the client
  for (;;) {
    answer = await post(`/api/v1/clients/${gone}/messages`, { content: 'x' });
    if (answer.status === 404 || Date.now() > until) break;
    await new Promise(r => setTimeout(r, 50));
  }
  check(answer.status === 404 && answer.body.type === 'urn:switchboard:problem:not-found', `a closed client is 404: ${answer.status}`);
}

for (const client of [a2, b, c]) client.close();
console.log('OK ws-rooms');
process.exit(0);
