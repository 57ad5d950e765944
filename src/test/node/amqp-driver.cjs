// An outside AMQP client for the integration tests, driven over stdin/stdout: one JSON command per
// line in, one JSON answer or event per line out. It uses amqplib, a client written without the hub,
// so tests see the hub's messages exactly as any other AMQP application would.
//
//   {"id":1,"op":"publish","queue":"q","body":"…","options":{…amqplib publish options}}  -> {"id":1,"ok":true} after the confirm
//   {"id":2,"op":"consume","queue":"q","prefetch":10}      -> {"id":2,"ok":true}, then {"event":"message","queue":"q",…} per message (acked)
//   {"id":3,"op":"get","queue":"q"}                         -> {"id":3,"ok":true,"message":{…}|null} (acked)
//   {"id":4,"op":"bind","exchange":"x","pattern":"a.*"}     -> {"id":4,"ok":true,"queue":"amq.gen-…"}, then message events
//   {"id":5,"op":"rpc","queue":"q","body":"…","correlationId":"c"} -> {"event":"reply",…} when the answer arrives
//   {"id":6,"op":"delete","queue":"q"}                      -> {"id":6,"ok":true}
//   {"id":7,"op":"declare","queue":"q","options":{…amqplib assertQueue options}} -> {"id":7,"ok":true}
'use strict';
const amqp = require('amqplib');
const readline = require('readline');

const url = process.argv[2] || 'amqp://guest:guest@127.0.0.1:5672';
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

function describe(msg, queue) {
  if (!msg) return null;
  return {
    queue,
    body: msg.content.toString('utf8'),
    fields: { routingKey: msg.fields.routingKey, exchange: msg.fields.exchange, redelivered: msg.fields.redelivered },
    properties: msg.properties,
    receivedAt: Date.now(),
  };
}

async function main() {
  const connection = await amqp.connect(url);
  const publishChannel = await connection.createConfirmChannel();
  const admin = await connection.createChannel();
  out({ event: 'ready' });

  const handlers = {
    async publish(c) {
      await new Promise((resolve, reject) => {
        publishChannel.sendToQueue(c.queue, Buffer.from(c.body, 'utf8'), c.options || {}, (err) => (err ? reject(err) : resolve()));
      });
      return {};
    },
    async consume(c) {
      const channel = await connection.createChannel();
      await channel.prefetch(c.prefetch || 10);
      await channel.consume(c.queue, (msg) => {
        if (msg) {
          out({ event: 'message', ...describe(msg, c.queue) });
          channel.ack(msg);
        }
      });
      return {};
    },
    async get(c) {
      const msg = await admin.get(c.queue, { noAck: false });
      if (msg) admin.ack(msg);
      return { message: describe(msg || null, c.queue) };
    },
    async bind(c) {
      const channel = await connection.createChannel();
      const { queue } = await channel.assertQueue('', { exclusive: true });
      await channel.bindQueue(queue, c.exchange, c.pattern);
      await channel.consume(queue, (msg) => msg && out({ event: 'message', ...describe(msg, queue) }), { noAck: true });
      return { queue };
    },
    async rpc(c) {
      const channel = await connection.createChannel();
      const { queue } = await channel.assertQueue('', { exclusive: true });
      await channel.consume(queue, (msg) => msg && out({ event: 'reply', ...describe(msg, queue) }), { noAck: true });
      await new Promise((resolve, reject) => {
        publishChannel.sendToQueue(c.queue, Buffer.from(c.body, 'utf8'),
          { correlationId: c.correlationId, replyTo: queue, contentType: 'application/json', persistent: true },
          (err) => (err ? reject(err) : resolve()));
      });
      return { replyTo: queue };
    },
    async declare(c) {
      const channel = await connection.createChannel();
      await channel.assertQueue(c.queue, c.options || {});
      await channel.close();
      return {};
    },
    async delete(c) {
      const channel = await connection.createChannel();
      channel.on('error', () => {});
      try {
        await channel.deleteQueue(c.queue);
        await channel.close();
      } catch (e) {
        // already gone
      }
      return {};
    },
  };

  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', async (line) => {
    let command;
    try {
      command = JSON.parse(line);
    } catch (e) {
      out({ event: 'error', error: 'not JSON: ' + line });
      return;
    }
    try {
      const result = await handlers[command.op](command);
      out({ id: command.id, ok: true, ...result });
    } catch (e) {
      out({ id: command.id, ok: false, error: String(e && e.message || e) });
    }
  });
  lines.on('close', async () => {
    try { await connection.close(); } catch (e) { /* closing anyway */ }
    process.exit(0);
  });
}

main().catch((e) => {
  out({ event: 'fatal', error: String(e && e.message || e) });
  process.exit(1);
});
