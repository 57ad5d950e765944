// Client ids are owned: with auth on, a second user with their own valid token cannot take Alice's
// client id (4403), nor message it (403); Alice may replace her own older connection, and ids in
// her namespace (jwt:alice:…) are hers even while she is away.
// usage: node client-ids.mjs http://127.0.0.1:PORT ALICE_TOKEN BOB_TOKEN ADMIN_KEY
import { Client, check, post } from './lib.mjs';

const [, , , alice, bob, admin] = process.argv;
const as = (token) => ({ Authorization: `Bearer ${token}` });

const desk = await Client.connect(`/ws/alice-desk?token=${alice}`);
check((await desk.next('welcome')).client_id === 'alice-desk', 'alice has her desk');

const thief = await Client.connect(`/ws/alice-desk?token=${bob}`);
const stolen = await thief.awaitClose(5000);
check(stolen.code === 4403, `bob on alice-desk: ${JSON.stringify(stolen)}`);
desk.send({ type: 'ping', ref: 'still-here' });
check((await desk.next('pong')).ref === 'still-here' && desk.closed === null, 'alice keeps her socket');

let answer = await post('/api/v1/clients/alice-desk/messages', { content: 'from bob', from: 'server' }, as(bob));
check(answer.status === 403 && answer.body.type === 'urn:switchboard:problem:forbidden', `bob messages alice-desk: ${JSON.stringify(answer)}`);
answer = await post('/api/v1/clients/alice-desk/messages', { content: 'from the admin' }, as(admin));
check(answer.status === 202, `the admin messages alice-desk: ${JSON.stringify(answer)}`);
check((await desk.next('message')).content === 'from the admin', 'alice gets the admin\'s message and not bob\'s');
answer = await post('/api/v1/clients/alice-desk/messages', { content: 'note to self' }, as(alice));
check(answer.status === 202, `alice messages her own id: ${JSON.stringify(answer)}`);
check((await desk.next('message')).content === 'note to self', 'alice gets her own message');

// Alice's newer connection replaces her older one
const laptop = await Client.connect(`/ws/alice-desk?token=${alice}`);
await laptop.next('welcome');
check((await desk.awaitClose(5000)).code === 4001, 'the older connection is replaced (4001)');

// a namespaced id is Alice's even before she ever used it
const squatter = await Client.connect(`/ws/jwt:alice:phone?token=${bob}`);
check((await squatter.awaitClose(5000)).code === 4403, 'bob cannot take jwt:alice:phone');
answer = await post('/api/v1/clients/jwt:alice:phone/messages', { content: 'x' }, as(bob));
check(answer.status === 403, `bob cannot message jwt:alice:phone: ${answer.status}`);
const phone = await Client.connect(`/ws/jwt:alice:phone?token=${alice}`);
check((await phone.next('welcome')).client_id === 'jwt:alice:phone', 'alice takes her namespaced id');
const own = await Client.connect(`/ws/jwt:bob:tablet?token=${bob}`);
check((await own.next('welcome')).client_id === 'jwt:bob:tablet', 'bob takes his');
// an id the server assigned is owned the same way, though it is kept only on the node that holds it
const assigned = await Client.connect(`/ws?token=${alice}`);
const assignedId = (await assigned.next('welcome')).client_id;
answer = await post(`/api/v1/clients/${assignedId}/messages`, { content: 'from bob' }, as(bob));
check(answer.status === 403 && answer.body.type === 'urn:switchboard:problem:forbidden', `bob messages alice's assigned id: ${JSON.stringify(answer)}`);
const hijack = await Client.connect(`/ws/${assignedId}?token=${bob}`);
check((await hijack.awaitClose(5000)).code === 4403, 'bob cannot take alice\'s assigned id');
answer = await post(`/api/v1/clients/${assignedId}/messages`, { content: 'from the admin' }, as(admin));
check(answer.status === 202, `the admin messages alice's assigned id: ${JSON.stringify(answer)}`);
check((await assigned.next('message')).content === 'from the admin', 'alice gets the admin\'s message and not bob\'s');
answer = await post(`/api/v1/clients/${assignedId}/messages`, { content: 'mine' }, as(alice));
check(answer.status === 202, `alice messages her assigned id: ${JSON.stringify(answer)}`);
check((await assigned.next('message')).content === 'mine' && assigned.closed === null, 'alice gets it and keeps her socket');
// her socket drops (a mobile network): the id stays hers for the presence TTL, though no cluster map holds it
assigned.close();
await assigned.awaitClose(5000);
for (let i = 0; ; i++) { // until the hub has seen the close: then nobody holds the id
  answer = await post(`/api/v1/clients/${assignedId}/messages`, { content: 'gone?' }, as(admin));
  if (answer.status === 404) break;
  check(i < 50, `the hub sees alice's assigned socket closed: ${JSON.stringify(answer)}`);
  await new Promise((r) => setTimeout(r, 100));
}
const thiefLater = await Client.connect(`/ws/${assignedId}?token=${bob}`);
check((await thiefLater.awaitClose(5000)).code === 4403, 'bob cannot take alice\'s assigned id after her socket closed');
const back = await Client.connect(`/ws/${assignedId}?token=${alice}`);
check((await back.next('welcome')).client_id === assignedId, 'alice comes back with her assigned id');

laptop.close();
phone.close();
own.close();
back.close();
console.log('OK client-ids');
process.exit(0);
