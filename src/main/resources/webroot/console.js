// The Switchboard console: everything it shows comes from the documented REST routes and, live,
// from the SockJS event-bus bridge (topic watches). No build step, no framework.

const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem('switchboard.token') || '';

// ---------------------------------------------------------------------------------------------
// REST

async function api(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = init.headers['Content-Type'] || 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = new Error(json && json.detail ? json.detail : `${response.status}`);
    error.status = response.status;
    throw error;
  }
  return json;
}

function note(id, error) {
  $(id).textContent = !error ? '' : error.status === 404 ? 'not enabled on this hub'
    : error.status === 401 || error.status === 403 ? `needs a token with access (${error.message})` : error.message;
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text === undefined || text === null ? '' : String(text);
  td.title = td.textContent;
  if (className) td.className = className;
  return td;
}

function button(row, label, action) {
  const b = document.createElement('button');
  b.className = 'small';
  b.textContent = label;
  b.addEventListener('click', async () => {
    b.disabled = true;
    try { await action(); } catch (e) { alert(`${label}: ${e.message}`); } finally { b.disabled = false; }
  });
  row.insertCell().appendChild(b);
}

function fill(tbodyId, items, render) {
  const tbody = $(tbodyId);
  tbody.replaceChildren();
  for (const item of items) render(tbody.insertRow(), item);
}

function every(ms, task) {
  task();
  setInterval(task, ms);
}

// ---------------------------------------------------------------------------------------------
// The event-bus bridge, over SockJS (the frames of vertx-web's bridge: send, publish, register, ping)

class Bridge {
  constructor() {
    this.handlers = new Map();
    this.replies = new Map();
    this.onopen = () => {};
    this.connect(0);
  }

  connect(attempt) {
    const url = '/eventbus' + (token ? `?token=${encodeURIComponent(token)}` : '');
    this.sock = new SockJS(url);
    this.sock.onopen = () => {
      state('live', 'up');
      this.pinger = setInterval(() => this.write({ type: 'ping' }), 5000);
      for (const address of this.handlers.keys()) this.write({ type: 'register', address });
      this.onopen();
      attempt = 0;
    };
    this.sock.onclose = () => {
      clearInterval(this.pinger);
      state('reconnecting…', 'down');
      setTimeout(() => this.connect(attempt + 1), Math.min(10000, 500 * 2 ** attempt));
    };
    this.sock.onmessage = (e) => {
      const frame = JSON.parse(e.data);
      const reply = this.replies.get(frame.address);
      if (reply) {
        this.replies.delete(frame.address);
        frame.type === 'err' ? reply.reject(new Error(frame.message || frame.body)) : reply.resolve(frame.body);
      } else if (frame.type === 'rec' && this.handlers.has(frame.address)) {
        this.handlers.get(frame.address)(frame.body, frame.headers || {});
      } else if (frame.type === 'err') {
        console.warn('bridge:', frame);
      }
    };
  }

  write(frame) {
    if (this.sock.readyState === SockJS.OPEN) this.sock.send(JSON.stringify(frame));
  }

  register(address, handler) {
    this.handlers.set(address, handler);
    this.write({ type: 'register', address });
  }

  request(address, body) {
    const replyAddress = crypto.randomUUID();
    return new Promise((resolve, reject) => {
      this.replies.set(replyAddress, { resolve, reject });
      this.write({ type: 'send', address, body, headers: {}, replyAddress });
      setTimeout(() => this.replies.delete(replyAddress) && reject(new Error('no reply')), 10000);
    });
  }
}

function state(text, css) {
  $('bridge-state').textContent = text;
  $('bridge-state').className = `pill ${css}`;
}

/** A pattern subscription over the bridge, renewed before it expires. */
function watch(bridge, patterns, onEvent) {
  const address = `switchboard.watch.${crypto.randomUUID()}`;
  bridge.register(address, onEvent);
  const renew = () => bridge.request('switchboard.topics.watch', { address, topics: patterns, ttl_ms: 60000 })
    .catch((e) => console.warn('watch', patterns, e.message));
  renew();
  const timer = setInterval(renew, 30000);
  return { renew, stop: () => clearInterval(timer) };
}

// ---------------------------------------------------------------------------------------------
// Panels

const bridge = new Bridge();
const watches = [];
bridge.onopen = () => watches.forEach((w) => w.renew());

let topicWatch;
let topicCount = 0;
function watchTopics() {
  if (topicWatch) topicWatch.stop();
  topicWatch = watch(bridge, [$('pattern').value.trim() || '#'], (event, headers) => {
    topicCount++;
    $('topic-count').textContent = `${topicCount} seen`;
    const row = $('topic-rows').insertRow(0);
    cell(row, (event.time || '').slice(11, 23));
    cell(row, headers.topic);
    cell(row, event.type);
    cell(row, JSON.stringify(event.data ?? event.data_base64 ?? null));
  });
  watches.push(topicWatch);
}

$('watch-form').addEventListener('submit', (e) => { e.preventDefault(); watchTopics(); });
$('clear-topics').addEventListener('click', () => { $('topic-rows').replaceChildren(); topicCount = 0; });
$('publish').addEventListener('click', async () => {
  try {
    const topic = $('pub-topic').value.trim();
    await api('POST', `/api/v1/topics/${encodeURIComponent(topic)}`, $('pub-data').value, { 'ce-type': $('pub-type').value });
  } catch (e) {
    alert(`publish: ${e.message}`);
  }
});

function queues() {
  api('GET', '/api/v1/queues').then((list) => {
    note('queue-note');
    fill('queue-rows', list.queues, (row, q) => {
      cell(row, q.name);
      cell(row, q.messages);
      cell(row, q.consumers);
      cell(row, q.dead_letters, q.dead_letters > 0 ? 'bad' : '');
      button(row, 'requeue', () => api('POST', `/api/v1/queues/${encodeURIComponent(q.name)}/dead-letters/requeue`).then(queues));
    });
  }).catch((e) => note('queue-note', e));
}

function projections() {
  api('GET', '/api/v1/projections').then((list) => {
    note('projection-note');
    fill('projection-rows', list.projections || list, (row, p) => {
      cell(row, p.name);
      cell(row, p.position);
      cell(row, `${p.lag_events} ev / ${p.lag_ms} ms`);
      cell(row, p.status + (p.error ? `: ${p.error}` : ''), p.status === 'running' ? 'ok' : p.status === 'failed' ? 'bad' : 'warn');
      button(row, 'rebuild', () => api('POST', `/api/v1/projections/${encodeURIComponent(p.name)}/rebuild`).then(projections));
    });
  }).catch((e) => note('projection-note', e));
}

function showEvents(events) {
  fill('store-rows', events, (row, e) => {
    cell(row, e.position ?? e.version);
    cell(row, `${e.stream}@${e.version}`);
    cell(row, e.type);
    cell(row, JSON.stringify(e.data));
  });
}

$('category-form').addEventListener('submit', (e) => {
  e.preventDefault();
  api('GET', `/api/v1/streams?category=${encodeURIComponent($('category').value.trim())}`).then((list) => {
    note('store-note');
    const ul = $('stream-list');
    ul.replaceChildren();
    for (const s of list.streams) {
      const li = document.createElement('li');
      li.textContent = `${s.stream} (v${s.version})`;
      li.addEventListener('click', () => { $('stream').value = s.stream; showStream(); });
      ul.appendChild(li);
    }
  }).catch((err) => note('store-note', err));
});
function showStream() {
  api('GET', `/api/v1/streams/${encodeURIComponent($('stream').value.trim())}?limit=100`)
    .then((r) => { note('store-note'); showEvents(r.events); })
    .catch((err) => note('store-note', err));
}
$('show-stream').addEventListener('click', showStream);
// the stream's metadata (retention rules, deleted) beside its events, and an admin's delete
function showMetadata() {
  const stream = $('stream').value.trim();
  if (!stream) return;
  api('GET', `/api/v1/streams/${encodeURIComponent(stream)}/metadata`).then((m) => {
    const rules = ['max_age_ms', 'max_count', 'truncate_before'].filter((k) => m[k] !== null && m[k] !== undefined)
      .map((k) => `${k} ${m[k]}`);
    const defaults = m.category_defaults ? ` (category defaults: ${JSON.stringify(m.category_defaults)})` : '';
    $('stream-meta').textContent = `${m.stream}: ${rules.length ? rules.join(', ') : 'no retention rules'}${defaults}`
      + (m.deleted ? `; deleted (${m.deleted})` : '');
  }).catch((err) => { $('stream-meta').textContent = err.message; });
}
$('show-stream').addEventListener('click', showMetadata);
$('delete-stream').addEventListener('click', () => {
  const stream = $('stream').value.trim();
  const hard = $('delete-hard').checked;
  if (!stream || !confirm(`${hard ? 'Hard-delete (for good)' : 'Soft-delete'} stream ${stream}?`)) return;
  api('DELETE', `/api/v1/streams/${encodeURIComponent(stream)}${hard ? '?hard=true' : ''}`)
    .then((r) => { note('store-note'); $('stream-meta').textContent = `deleted ${r.stream} at version ${r.last_version}`; showMetadata(); })
    .catch((err) => note('store-note', err));
});
// the $all tail: every appended event is also a topic message on streams.{category}
watches.push(watch(bridge, ['streams.#'], (event) => {
  const row = $('store-rows').insertRow(0);
  cell(row, '$all');
  cell(row, event.subject);
  cell(row, event.type);
  cell(row, JSON.stringify(event.data));
}));

let selectedEndpoint;
function webhooks() {
  api('GET', '/api/v1/webhooks').then((list) => {
    note('webhook-note');
    const endpoints = list.webhooks || list;
    fill('webhook-rows', endpoints, (row, w) => {
      const name = cell(row, w.url);
      name.style.cursor = 'pointer';
      name.addEventListener('click', () => { selectedEndpoint = w.id; deliveries(); });
      cell(row, (w.events || []).join(' '));
      const tripped = w.circuit && w.circuit !== 'closed';
      cell(row, w.active === false ? 'disabled' : (tripped ? `circuit ${w.circuit}` : 'active'),
        w.active === false ? 'bad' : (tripped ? 'warn' : 'ok'));
    });
    if (!selectedEndpoint && endpoints.length) selectedEndpoint = endpoints[0].id;
    deliveries();
  }).catch((e) => note('webhook-note', e));
}
function deliveries() {
  if (!selectedEndpoint) return;
  api('GET', `/api/v1/webhooks/${selectedEndpoint}/deliveries`).then((list) => {
    fill('delivery-rows', list.deliveries || list, (row, d) => {
      cell(row, d.event_type || d.id);
      cell(row, d.status, d.status === 'delivered' ? 'ok' : d.status === 'failed' ? 'bad' : 'warn');
      cell(row, d.http_status ?? d.last_http_status ?? '');
      cell(row, d.attempts ?? (d.attempt_list || []).length);
      button(row, 'retry', () => api('POST', `/api/v1/webhooks/${selectedEndpoint}/deliveries/${d.id}/retry`).then(deliveries));
    });
  }).catch((e) => note('webhook-note', e));
}

function nodes() {
  api('GET', '/api/v1/cluster').then((c) => {
    $('node').textContent = `node ${c.node}` + (c.nodes.length > 1 ? ` · cluster of ${c.nodes.length}` : '');
    const me = c.nodes.find((n) => n.id === c.node);
    const conns = me && me.connections ? Object.entries(me.connections).map(([t, n]) => `${t} ${n}`).join(' · ') : '';
    $('connections').textContent = conns;
    fill('node-rows', c.nodes, (row, n) => {
      cell(row, n.id);
      cell(row, n.http);
      cell(row, Object.entries(n.connections || {}).map(([t, k]) => `${t} ${k}`).join(' '));
      cell(row, (n.verticles || []).join(' '));
    });
  }).catch(() => {});
}

$('token').value = token;
$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  token = $('token').value.trim();
  sessionStorage.setItem('switchboard.token', token);
  location.reload();
});

watchTopics();
every(3000, queues);
every(3000, projections);
every(5000, webhooks);
every(5000, nodes);
