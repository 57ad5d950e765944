// A WebSocket client that reconnects resumes from the cursor of the last event it got: it receives
// what was published meanwhile, then live messages, nothing twice; a cursor the node cannot serve
// gets a gap frame first.
// usage: node ws-resume.mjs http://127.0.0.1:PORT
import { Client, check, post } from './lib.mjs';

const run = Math.random().toString(36).slice(2, 8);
const topic = `resume.${run}.a`;
const publish = async (n) => {
  const r = await post(`/api/v1/topics/${topic}`, { n }, { 'ce-type': 'resume.test' });
  check(r.status === 202, `publish ${n} accepted`);
  return r.body.id;
};

let c = await Client.connect('/ws');
await c.next('welcome');
c.send({ type: 'subscribe', topics: [`resume.${run}.*`] });
await c.next('subscribed');
for (const n of [1, 2, 3]) await publish(n);
const seen = [];
for (let i = 0; i < 3; i++) seen.push(await c.next('event'));
check(seen.every(e => typeof e.cursor === 'string' && e.cursor.length > 0), `every event carries its cursor: ${JSON.stringify(seen.map(e => e.cursor))}`);
check(JSON.stringify(seen.map(e => e.event.data.n)) === '[1,2,3]', 'live events in order');
c.close();

// published while the client is away
for (const n of [4, 5]) await publish(n);

c = await Client.connect('/ws');
await c.next('welcome');
c.send({ type: 'subscribe', topics: [`resume.${run}.*`], cursor: seen[2].cursor, ref: 'r1' });
check((await c.next('subscribed')).ref === 'r1', 'subscribed answers first');
await publish(6);
const after = [];
for (let i = 0; i < 3; i++) after.push(await c.next('event'));
check(JSON.stringify(after.map(e => e.event.data.n)) === '[4,5,6]', `missed events, then live: ${JSON.stringify(after.map(e => e.event.data.n))}`);
await publish(7);
check((await c.next('event')).event.data.n === 7, 'nothing twice: the next frame is the next event');
c.close();

// a cursor from another node or run: a gap frame, then all that is kept
c = await Client.connect('/ws');
await c.next('welcome');
c.send({ type: 'subscribe', topics: [topic], cursor: 'elsewhere-42' });
await c.next('subscribed');
const gap = await c.next('gap');
check(gap.reason === 'history', `gap frame: ${JSON.stringify(gap)}`);
const all = [];
for (let i = 0; i < 7; i++) all.push((await c.next('event')).event.data.n);
check(JSON.stringify(all) === '[1,2,3,4,5,6,7]', `the whole history after the gap: ${JSON.stringify(all)}`);
c.send({ type: 'subscribe', topics: [topic], cursor: 42 });
check((await c.next('error')).code === 'malformed-frame', 'a cursor that is not a string is refused');
c.close();
console.log('OK ws-resume');
process.exit(0);
