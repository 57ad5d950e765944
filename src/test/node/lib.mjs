// Small helpers shared by the client scripts: bounded waits and clear failures.
import WebSocket from 'ws';

export const base = process.argv[2];
if (!base) {
  console.error('usage: node <script> http://127.0.0.1:PORT');
  process.exit(2);
}
export const wsBase = base.replace(/^http/, 'ws');

export function fail(message) {
  console.error('FAIL: ' + message);
  process.exit(1);
}

export function check(condition, message) {
  if (!condition) fail(message);
}

export function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

export async function post(path, body, headers = {}) {
  const response = await fetch(base + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

export async function get(path) {
  const response = await fetch(base + path);
  return { status: response.status, body: await response.json() };
}

/** A WebSocket client whose frames are awaited one by one, in order. */
export class Client {
  static async connect(path, options = {}) {
    const ws = new WebSocket(wsBase + path, options);
    const client = new Client(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return client;
  }

  constructor(ws) {
    this.ws = ws;
    this.frames = [];
    this.waiters = [];
    this.closed = null;
    ws.on('message', data => {
      const frame = JSON.parse(data.toString());
      const waiter = this.waiters.shift();
      if (waiter) waiter(frame); else this.frames.push(frame);
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      // A frame awaited on a socket that closed will never come: say why at once, not after the timeout.
      for (const waiter of this.waiters.splice(0)) waiter(null);
      (this.onClose || (() => {}))(this.closed);
    });
  }

  send(frame) {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame, which must have the given type. */
  async next(type, timeoutMs = 5000) {
    const frame = this.frames.length ? this.frames.shift() : this.closed ? null : await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${type}" frame within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push(f => { clearTimeout(timer); resolve(f); });
    }).catch(e => fail(e.message));
    check(frame !== null, `expected a "${type}" frame, but the socket closed: ${JSON.stringify(this.closed)}`);
    check(frame.type === type, `expected a "${type}" frame, got ${JSON.stringify(frame)}`);
    return frame;
  }

  async awaitClose(timeoutMs) {
    if (this.closed) return this.closed;
    return new Promise((resolve) => {
      const timer = setTimeout(() => fail(`socket not closed within ${timeoutMs} ms`), timeoutMs);
      this.onClose = c => { clearTimeout(timer); resolve(c); };
    });
  }

  close() {
    this.ws.close();
  }
}
