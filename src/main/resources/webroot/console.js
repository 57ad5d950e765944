// The Switchboard console: everything it shows comes from the documented REST routes and, live,
// from the SockJS event-bus bridge (topic watches); the charts from GET /api/v1/metrics/summary,
// drawn with uPlot. No build step, no framework.

const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem('switchboard.token') || '';

// ---------------------------------------------------------------------------------------------
// REST, and what the page shows of the hub's answers

async function api(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = init.headers['Content-Type'] || 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = { detail: text }; }
  if (!response.ok) {
    const error = new Error(json && json.detail ? json.detail : `${response.status} ${response.statusText}`);
    error.status = response.status;
    error.problem = json || {};
    throw error;
  }
  return json;
}

/** The hub's problem details as one line: "409 Conflict: … (current_version: 3)". */
function problemText(error) {
  const p = error.problem || {};
  const extra = Object.entries(p).filter(([k]) => !['type', 'title', 'status', 'detail', 'instance'].includes(k))
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`);
  return `${error.status || ''} ${p.title || ''}${p.title ? ': ' : ''}${error.message}${extra.length ? ` (${extra.join(', ')})` : ''}`.trim();
}

/** Shows an action's outcome in its result line: what the hub answered, or its problem details. */
async function act(resultId, action, describe) {
  const out = $(resultId);
  out.className = 'result';
  out.textContent = '…';
  try {
    const answer = await action();
    out.className = 'result ok';
    out.textContent = describe(answer);
    out.title = JSON.stringify(answer);
    return answer;
  } catch (e) {
    out.className = 'result bad';
    out.textContent = problemText(e);
    out.title = JSON.stringify(e.problem || {});
    return undefined;
  }
}

function note(id, error) {
  $(id).textContent = !error ? '' : error.status === 404 ? 'not enabled on this hub'
    : error.status === 401 || error.status === 403 ? `needs a token with access (${error.message})`
      : error.status === 503 ? error.message : problemText(error);
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text === undefined || text === null ? '' : String(text);
  td.title = td.textContent;
  if (className) td.className = className;
  return td;
}

function button(parent, label, action, title) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'small';
  b.textContent = label;
  if (title) b.title = title;
  b.addEventListener('click', async () => {
    b.disabled = true;
    try { await action(); } finally { b.disabled = false; }
  });
  parent.appendChild(b);
  return b;
}

/** A new first row of a live log, keeping at most max rows: a page left open does not grow without bound. */
function prepend(tbodyId, max = 100) {
  const tbody = $(tbodyId);
  while (tbody.rows.length >= max) tbody.deleteRow(-1);
  return tbody.insertRow(0);
}

function fill(tbodyId, items, render) {
  const tbody = $(tbodyId);
  tbody.replaceChildren();
  for (const item of items) render(tbody.insertRow(), item);
}

function every(ms, task) {
  task();
  return setInterval(task, ms);
}

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch (e) {
    const error = new Error(`${what} is not JSON: ${e.message}`);
    error.status = 'page';
    throw error;
  }
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
      live.bridge = true;
      showLive();
      this.pinger = setInterval(() => this.write({ type: 'ping' }), 5000);
      for (const address of this.handlers.keys()) this.write({ type: 'register', address });
      this.onopen();
      attempt = 0;
    };
    this.sock.onclose = () => {
      clearInterval(this.pinger);
      live.bridge = false;
      showLive();
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

  unregister(address) {
    this.handlers.delete(address);
    this.write({ type: 'unregister', address });
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

// The pill: live only while the bridge is open and (for an admin) the hub answers the summary.
const live = { bridge: false, hub: true, reason: '' };
function showLive() {
  const pill = $('bridge-state');
  if (live.bridge && live.hub) {
    pill.textContent = 'live';
    pill.className = 'pill up';
    pill.title = 'connected to the hub: the event-bus bridge is open and the hub answers';
  } else {
    pill.textContent = live.bridge ? 'hub not answering' : 'reconnecting…';
    pill.className = 'pill down';
    pill.title = live.reason || 'the event-bus bridge is closed; reconnecting';
  }
}

/** A pattern subscription over the bridge, renewed before it expires. */
function watch(bridge, patterns, onEvent) {
  const address = `switchboard.watch.${crypto.randomUUID()}`;
  bridge.register(address, onEvent);
  const renew = () => bridge.request('switchboard.topics.watch', { address, topics: patterns, ttl_ms: 60000 })
    .catch((e) => console.warn('watch', patterns, e.message));
  renew();
  const timer = setInterval(renew, 30000);
  const handle = {
    renew,
    // the old pattern's messages stop here at once; its watch on the hub runs out with its TTL
    stop: () => {
      clearInterval(timer);
      bridge.unregister(address);
      watches.splice(watches.indexOf(handle), 1);
    },
  };
  watches.push(handle);
  return handle;
}

// ---------------------------------------------------------------------------------------------
// Live charts: each node's samples (GET /api/v1/metrics/summary), summed over the nodes shown
// (gauges the nodes share, such as queue depth, take the largest instead), drawn with uPlot.

const COLORS = ['#2f6fed', '#1f9d55', '#d64545', '#c98a00', '#7b4fd6', '#0f8b8d', '#e0672b', '#6b7385', '#b83280', '#3d9970'];

const entries = (object) => Object.entries(object || {});
const CHARTS = [
  { id: 'messages-in', title: 'Messages in /s', help: 'Topic messages accepted per second, by the transport they came in on (http, websocket, sockjs, tcp, redis, amqp, store, webhook)',
    values: (s) => Object.fromEntries(entries(s.messages_in)) },
  { id: 'messages-out', title: 'Messages out /s', help: 'Messages written to clients per second, by transport (sse, websocket, sockjs, tcp)',
    values: (s) => Object.fromEntries(entries(s.messages_out)) },
  { id: 'connections', title: 'Connections', help: 'Open client connections by transport',
    values: (s) => Object.fromEntries(entries(s.connections)) },
  { id: 'queue-rates', title: 'Queues /s', help: 'Per queue and second: messages published (confirmed by RabbitMQ or not), delivered to handlers, acknowledged, and moved to the dead-letter queue',
    values: (s) => Object.fromEntries(entries(s.queues).flatMap(([q, v]) => [
      [`${q} publish`, v.published], [`${q} deliver`, v.delivered], [`${q} ack`, v.acked], [`${q} dead-letter`, v.dead_lettered]])) },
  { id: 'queue-depth', title: 'Queue depth', help: 'Messages ready in each queue and in its dead-letter queue, as RabbitMQ reports them (asked every 2 s while the console is open)',
    combine: Math.max,
    values: (s) => Object.fromEntries(entries(s.queues).flatMap(([q, v]) => [[`${q} ready`, v.depth], [`${q} DLQ`, v.dead_letters]])
      .filter(([, v]) => v !== undefined && v !== null)) },
  { id: 'webhooks', title: 'Webhooks /s', help: 'Delivery attempts per second that succeeded (2xx) and that failed; open circuits (right axis) are endpoints whose deliveries are held while they are down',
    values: (s) => ({ delivered: s.webhooks?.delivered, failed: s.webhooks?.failed, 'open circuits': s.webhooks?.open_circuits }),
    right: (k) => k === 'open circuits', rightLabel: 'circuits' },
  { id: 'projection-lag', title: 'Projection lag', help: 'Per projection: events appended after its checkpoint (left axis) and how long its oldest unapplied event has waited, in ms (right axis)',
    combine: Math.max,
    values: (s) => Object.fromEntries(entries(s.projections).flatMap(([p, v]) => [[`${p} events`, v.lag_events], [`${p} ms`, v.lag_ms]])),
    right: (k) => k.endsWith(' ms'), rightLabel: 'ms' },
  { id: 'store', title: 'Store appends /s', help: 'Events appended to the event store per second',
    values: (s) => ({ 'appends/s': s.store?.appended }) },
  // Consumer groups (issue 17): the slot is there; it shows once samples carry group lag.
  { id: 'group-lag', title: 'Consumer-group lag', help: 'Per consumer group: events not yet acknowledged (left axis) and their age in ms (right axis)',
    combine: Math.max, hideWhenEmpty: true,
    values: (s) => Object.fromEntries(entries(s.consumer_groups).flatMap(([g, v]) => [[`${g} events`, v.lag_events], [`${g} ms`, v.lag_ms]])),
    right: (k) => k.endsWith(' ms'), rightLabel: 'ms' },
];

const samplesByNode = new Map(); // node → [sample…], oldest first
const missingNodes = new Map(); // node → reason
const plots = new Map(); // chart id → { uplot, keys, data }
let chartsTimer;

function chartWindowS() {
  return Number($('chart-window').value);
}

function setupCharts() {
  const grid = $('chart-grid');
  for (const chart of CHARTS) {
    const figure = document.createElement('figure');
    figure.id = `chart-${chart.id}`;
    figure.className = 'chart';
    const caption = document.createElement('figcaption');
    caption.textContent = chart.title;
    caption.title = chart.help;
    const help = document.createElement('span');
    help.className = 'muted help';
    help.textContent = '?';
    help.title = chart.help;
    caption.appendChild(help);
    const plot = document.createElement('div');
    plot.className = 'plot';
    figure.append(caption, plot);
    if (chart.hideWhenEmpty) figure.hidden = true;
    grid.appendChild(figure);
  }
  new ResizeObserver(() => {
    for (const [id, p] of plots) {
      const el = $(`chart-${id}`).querySelector('.plot');
      if (p.uplot && el.clientWidth) p.uplot.setSize({ width: el.clientWidth, height: 150 });
    }
  }).observe(grid);
  $('chart-window').addEventListener('change', drawCharts);
  $('chart-node').addEventListener('change', drawCharts);
  // exposed for the end-to-end tests and the curious: the numbers behind every chart
  window.switchboardConsole = { plots, samplesByNode, missingNodes };
  pollSummary();
  chartsTimer = setInterval(pollSummary, 1000);
}

let polling = false;
async function pollSummary() {
  if (polling) return;
  polling = true;
  try {
    const lasts = [...samplesByNode.values()].map((s) => (s.length ? s[s.length - 1].time : 0));
    const since = lasts.length ? Math.min(...lasts) : 0;
    const summary = await api('GET', `/api/v1/metrics/summary?since=${since}`);
    live.hub = true;
    live.reason = '';
    const horizon = Date.now() - 15 * 60_000 - 60_000;
    for (const node of summary.nodes) {
      const list = samplesByNode.get(node.node) || [];
      const last = list.length ? list[list.length - 1].time : 0;
      for (const sample of node.samples) if (sample.time > last) list.push(sample);
      while (list.length && list[0].time < horizon) list.shift();
      samplesByNode.set(node.node, list);
    }
    missingNodes.clear();
    for (const m of summary.missing) missingNodes.set(m.node, m.reason);
    // a node gone from the cluster list and from the answers stops being drawn
    const answering = new Set(summary.nodes.map((n) => n.node));
    for (const node of [...samplesByNode.keys()]) {
      if (!answering.has(node) && !missingNodes.has(node)) samplesByNode.delete(node);
    }
    nodeChoices([...answering, ...missingNodes.keys()]);
    $('charts-note').textContent = missingNodes.size
      ? `not answering: ${[...missingNodes].map(([n, r]) => `${n} (${r})`).join(', ')}` : '';
    $('charts-note').title = $('charts-note').textContent;
    drawCharts();
  } catch (e) {
    live.hub = false;
    live.reason = `the hub did not answer the metrics summary: ${problemText(e)}`;
    $('charts-note').textContent = live.reason;
    $('charts-note').title = live.reason;
  } finally {
    showLive();
    polling = false;
  }
}

/** The node menu: exactly the nodes that answer or are known but silent; a node gone is dropped. */
function nodeChoices(nodes) {
  const select = $('chart-node');
  const wanted = [...new Set(nodes)].sort();
  const have = [...select.options].map((o) => o.value).filter(Boolean);
  if (wanted.join('|') === have.join('|')) return;
  const chosen = select.value;
  select.replaceChildren(new Option('all nodes', ''), ...wanted.map((n) => new Option(`node ${n}`, n)));
  select.value = wanted.includes(chosen) ? chosen : '';
}

function drawCharts() {
  const windowS = chartWindowS();
  const nodeFilter = $('chart-node').value;
  const nowS = Math.round(Date.now() / 1000);
  const fromS = nowS - windowS;
  for (const chart of CHARTS) {
    // one row per second: the nodes' values summed (or their max for shared gauges)
    const buckets = new Map();
    const keys = new Set();
    for (const [node, list] of samplesByNode) {
      if (nodeFilter && node !== nodeFilter) continue;
      for (const sample of list) {
        const t = Math.round(sample.time / 1000);
        if (t < fromS) continue;
        const values = chart.values(sample);
        const row = buckets.get(t) || {};
        for (const [k, v] of Object.entries(values)) {
          if (v === undefined || v === null) continue;
          keys.add(k);
          row[k] = k in row ? (chart.combine || ((a, b) => a + b))(row[k], v) : v;
        }
        buckets.set(t, row);
      }
    }
    const sortedKeys = [...keys].sort();
    const times = [...buckets.keys()].sort((a, b) => a - b);
    const data = [times, ...sortedKeys.map((k) => times.map((t) => buckets.get(t)[k] ?? null))];
    const figure = $(`chart-${chart.id}`);
    if (chart.hideWhenEmpty) figure.hidden = sortedKeys.length === 0;
    if (figure.hidden) continue;
    let p = plots.get(chart.id);
    if (!p || p.keys.join('|') !== sortedKeys.join('|')) {
      if (p && p.uplot) p.uplot.destroy();
      p = { keys: sortedKeys, data, uplot: makePlot(chart, figure.querySelector('.plot'), sortedKeys, data) };
      plots.set(chart.id, p);
    } else {
      p.data = data;
      p.uplot.setData(data);
    }
    // the window, or less while the hub has not been up that long: at least a minute, so a young
    // hub's first seconds are not squeezed against the right edge
    const oldest = times.length ? times[0] : nowS;
    p.uplot.setScale('x', { min: Math.max(fromS, Math.min(oldest, nowS - 60)), max: nowS });
  }
}

function makePlot(chart, el, keys, data) {
  const right = chart.right || (() => false);
  const anyRight = keys.some(right);
  const series = [{}, ...keys.map((k, i) => ({
    label: k, stroke: COLORS[i % COLORS.length], width: 1.5, scale: right(k) ? 'right' : 'y',
    value: (u, v) => (v === null || v === undefined ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(2)),
  }))];
  // clock times only (HH:MM on whole minutes, else HH:MM:SS): uPlot's date row overlaps at 800 px
  const clock = (u, splits) => splits.map((t) => new Date(t * 1000).toTimeString().slice(0, t % 60 === 0 ? 5 : 8));
  const axes = [
    { stroke: '#6b7385', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#e2e5ea' }, space: 70, values: clock },
    { stroke: '#6b7385', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#e2e5ea' }, size: 44 },
  ];
  if (anyRight) axes.push({ scale: 'right', side: 1, stroke: '#6b7385', grid: { show: false }, label: chart.rightLabel, size: 50 });
  const scales = { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } };
  if (anyRight) scales.right = { range: (u, min, max) => [0, Math.max(1, max * 1.1)] };
  return new uPlot({
    width: el.clientWidth || 300, height: 150, series, axes, scales,
    legend: { live: true }, cursor: { drag: { x: false, y: false } },
  }, data, el);
}

// ---------------------------------------------------------------------------------------------
// Panels

let bridge;
const watches = [];

let topicWatch;
let topicCount = 0;
function watchTopics() {
  if (topicWatch) topicWatch.stop();
  topicWatch = watch(bridge, [$('pattern').value.trim() || '#'], (event, headers) => {
    topicCount++;
    $('topic-count').textContent = `${topicCount} seen`;
    const row = prepend('topic-rows');
    cell(row, (event.time || '').slice(11, 23));
    cell(row, headers.topic);
    cell(row, event.type);
    cell(row, JSON.stringify(event.data ?? event.data_base64 ?? null), 'data');
  });
}

function setupTopics() {
  $('watch-form').addEventListener('submit', (e) => { e.preventDefault(); watchTopics(); });
  $('clear-topics').addEventListener('click', () => { $('topic-rows').replaceChildren(); topicCount = 0; });
  $('publish-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const topic = $('pub-topic').value.trim();
    act('publish-result', () => api('POST', `/api/v1/topics/${encodeURIComponent(topic)}`, $('pub-data').value,
      { 'ce-type': $('pub-type').value }), (r) => `published ${r.id}`);
  });
}

function queues() {
  api('GET', '/api/v1/queues').then((list) => {
    $('queue-names').replaceChildren(...list.queues.map((q) => new Option(q.name)));
    fill('queue-rows', list.queues, (row, q) => {
      cell(row, q.name);
      cell(row, q.messages);
      cell(row, q.consumers);
      cell(row, q.dead_letters, q.dead_letters > 0 ? 'bad' : '');
      button(row.insertCell(), 'requeue', () => act('queue-result',
        () => api('POST', `/api/v1/queues/${encodeURIComponent(q.name)}/dead-letters/requeue`),
        (r) => `moved ${r.moved} dead letter${r.moved === 1 ? '' : 's'} back to ${q.name}`).then(queues),
      'move the dead letters back to the queue');
    });
  }).catch((e) => { $('queue-result').className = 'result bad'; $('queue-result').textContent = problemText(e); });
}

function setupQueues() {
  $('queue-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const queue = $('queue-name').value.trim();
    act('queue-result', () => api('POST', `/api/v1/queues/${encodeURIComponent(queue)}/messages`,
      $('queue-data').value, { 'ce-type': $('queue-type').value }), (r) => `published ${r.id} to ${queue} (confirmed)`)
      .then(() => admin && queues());
  });
}

function projections() {
  api('GET', '/api/v1/projections').then((list) => {
    const tbody = $('projection-rows');
    tbody.replaceChildren();
    for (const p of list.projections || list) {
      const row = tbody.insertRow();
      cell(row, p.name);
      cell(row, p.position);
      cell(row, p.lag_events);
      cell(row, p.lag_ms);
      cell(row, p.status, p.status === 'running' ? 'ok' : p.status === 'failed' ? 'bad' : 'warn');
      const actions = row.insertCell();
      actions.className = 'actions';
      const name = encodeURIComponent(p.name);
      button(actions, 'rebuild', () => confirm(`Rebuild ${p.name} from the start of the store?`) && act('projection-result',
        () => api('POST', `/api/v1/projections/${name}/rebuild`), () => `${p.name}: rebuilding`).then(projections),
      'reset the read model and replay every event');
      if (p.status === 'failed') {
        button(actions, 'retry', () => act('projection-result', () => api('POST', `/api/v1/projections/${name}/retry`),
          () => `${p.name}: retrying the failed event`).then(projections), 'apply the failed event again');
        const position = p.failed_event && p.failed_event.position;
        button(actions, 'skip', () => confirm(`Skip event ${position} for ${p.name}? It will never be applied.`) && act('projection-result',
          () => api('POST', `/api/v1/projections/${name}/skip`, { position }),
          (r) => `${p.name}: skipped event ${r.skipped ? r.skipped.position : position}`).then(projections),
        'record the failed event as skipped and go on');
        const detail = tbody.insertRow();
        detail.className = 'failed-event';
        const td = detail.insertCell();
        td.colSpan = 6;
        const ev = p.failed_event || {};
        td.textContent = `failed at ${ev.stream ?? '?'}@${ev.version ?? '?'} (position ${ev.position ?? '?'}, ${ev.type ?? '?'}): ${p.error || ''} · data ${JSON.stringify(ev.data ?? null)}`;
        td.title = `${p.error || ''}\n${JSON.stringify(ev, null, 2)}`;
      }
    }
  }).catch((e) => note('projection-result', e));
}

function showEvents(events) {
  fill('store-rows', events, (row, e) => {
    cell(row, e.position ?? e.version);
    cell(row, `${e.stream}@${e.version}`);
    cell(row, e.type);
    cell(row, JSON.stringify(e.data), 'data');
  });
}

function setupStore() {
  $('category-form').addEventListener('submit', (e) => {
    e.preventDefault();
    api('GET', `/api/v1/streams?category=${encodeURIComponent($('category').value.trim())}`).then((list) => {
      note('store-note');
      const ul = $('stream-list');
      ul.replaceChildren();
      for (const s of list.streams) {
        const li = document.createElement('li');
        li.textContent = `${s.stream} (v${s.version})`;
        li.title = li.textContent;
        li.addEventListener('click', () => { $('stream').value = s.stream; showStream(); });
        ul.appendChild(li);
      }
    }).catch((err) => note('store-note', err));
  });
  $('show-stream').addEventListener('click', showStream);
  $('show-stream').addEventListener('click', showMetadata);
  $('delete-stream').addEventListener('click', deleteStream);
  $('append-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const stream = $('append-stream').value.trim();
    const expected = $('append-expected').value.trim();
    act('append-result', () => {
      const event = { type: $('append-type').value.trim(), data: parseJson($('append-data').value || 'null', 'data') };
      return api('POST', `/api/v1/streams/${encodeURIComponent(stream)}/events`, [event],
        expected ? { 'Expected-Version': expected } : {});
    }, (r) => `appended ${r.stream}@${r.last_version} at position ${r.position}`);
  });
}

function showStream() {
  api('GET', `/api/v1/streams/${encodeURIComponent($('stream').value.trim())}?limit=100`)
    .then((r) => { note('store-note'); showEvents(r.events); })
    .catch((err) => note('store-note', err));
}
// the stream's metadata (retention rules, deleted) beside its events
function showMetadata() {
  const stream = $('stream').value.trim();
  if (!stream) return;
  api('GET', `/api/v1/streams/${encodeURIComponent(stream)}/metadata`).then((m) => {
    const rules = ['max_age_ms', 'max_count', 'truncate_before'].filter((k) => m[k] !== null && m[k] !== undefined)
      .map((k) => `${k} ${m[k]}`);
    const defaults = m.category_defaults ? ` (category defaults: ${JSON.stringify(m.category_defaults)})` : '';
    $('stream-meta').textContent = `${m.stream}: ${rules.length ? rules.join(', ') : 'no retention rules'}${defaults}`
      + (m.deleted ? `; deleted (${m.deleted})` : '');
  }).catch((err) => { $('stream-meta').textContent = problemText(err); });
}

/** An admin's delete of the stream named in the form: soft, or hard (a tombstone) when ticked. */
function deleteStream() {
  const stream = $('stream').value.trim();
  const hard = $('delete-hard').checked;
  if (!stream || !confirm(`${hard ? 'Hard-delete (for good)' : 'Soft-delete'} stream ${stream}?`)) return;
  act('stream-meta', () => api('DELETE', `/api/v1/streams/${encodeURIComponent(stream)}${hard ? '?hard=true' : ''}`),
    (r) => `deleted ${r.stream} (${r.hard ? 'hard' : 'soft'}) at version ${r.last_version}`);
}

let selectedEndpoint;
function webhooks() {
  api('GET', '/api/v1/webhooks').then((list) => {
    const endpoints = list.webhooks || list;
    fill('webhook-rows', endpoints, (row, w) => {
      const name = cell(row, w.url);
      name.classList.add('link');
      name.title = `${w.url}\n${w.id}${w.description ? `\n${w.description}` : ''}\n(click: show its deliveries)`;
      name.addEventListener('click', () => { selectedEndpoint = w.id; deliveries(); });
      if (w.id === selectedEndpoint) row.className = 'selected';
      cell(row, (w.events || []).join(' '));
      const tripped = w.circuit && w.circuit !== 'closed';
      cell(row, w.active === false ? 'disabled' : (tripped ? `circuit ${w.circuit}` : 'active'),
        w.active === false ? 'bad' : (tripped ? 'warn' : 'ok'));
      button(row.insertCell(), 'test', () => act('webhook-result', () => api('POST', `/api/v1/webhooks/${w.id}/test`),
        (r) => `test event sent to ${w.url}: delivery ${r.id} ${r.status}`).then(() => { selectedEndpoint = w.id; deliveries(); }),
      'send it a signed switchboard.webhook.test event');
    });
    if (!selectedEndpoint && endpoints.length) selectedEndpoint = endpoints[0].id;
    deliveries();
  }).catch((e) => note('webhook-result', e));
}

function deliveries() {
  if (!selectedEndpoint) return;
  const endpoint = selectedEndpoint;
  api('GET', `/api/v1/webhooks/${endpoint}/deliveries`).then((list) => {
    fill('delivery-rows', list.deliveries || list, (row, d) => {
      cell(row, d.event_type || d.id);
      cell(row, d.status, d.status === 'delivered' ? 'ok' : d.status === 'failed' ? 'bad' : 'warn');
      cell(row, d.http_status ?? d.last_http_status ?? '');
      cell(row, d.attempts ?? (d.attempt_list || []).length);
      button(row.insertCell(), 'retry', () => act('webhook-result',
        () => api('POST', `/api/v1/webhooks/${endpoint}/deliveries/${d.id}/retry`), () => `delivery ${d.id} retried`).then(deliveries));
    });
  }).catch((e) => note('webhook-result', e));
}

function setupWebhooks() {
  $('webhook-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const events = $('webhook-events').value.split(/[\s,]+/).filter(Boolean);
    act('webhook-result', () => api('POST', '/api/v1/webhooks', { url: $('webhook-url').value.trim(), events }),
      (r) => `registered ${r.id}`).then((created) => {
      if (!created) return;
      // The secret is shown once: the hub never returns it again.
      $('webhook-secret-id').textContent = created.id;
      $('webhook-secret').textContent = created.secret;
      $('webhook-secret-box').hidden = false;
      selectedEndpoint = created.id;
      webhooks();
    });
  });
  $('webhook-secret-done').addEventListener('click', () => {
    $('webhook-secret').textContent = '';
    $('webhook-secret-box').hidden = true;
  });
}

function nodes() {
  api('GET', '/api/v1/cluster').then((c) => {
    $('node').textContent = `node ${c.node}` + (c.nodes.length > 1 ? ` · cluster of ${c.nodes.length}` : '');
    $('node').title = $('node').textContent;
    const me = c.nodes.find((n) => n.id === c.node);
    const conns = me && me.connections ? Object.entries(me.connections).map(([t, n]) => `${t} ${n}`).join(' · ') : '';
    $('connections').textContent = conns;
    $('connections').title = `open connections on this node: ${conns}`;
    fill('node-rows', c.nodes, (row, n) => {
      cell(row, n.id);
      const missing = missingNodes.get(n.id);
      cell(row, missing ? 'not answering' : 'up', missing ? 'bad' : 'ok').title = missing || 'answers';
      cell(row, n.http);
      cell(row, Object.entries(n.connections || {}).map(([t, k]) => `${t} ${k}`).join(' '));
      cell(row, (n.verticles || []).join(' '));
    });
    $('node-note').textContent = '';
  }).catch((e) => {
    // the node this page talks to is gone or refuses: say so rather than show a stale list
    $('node-rows').querySelectorAll('td:nth-child(2)').forEach((td) => { td.textContent = 'unknown'; td.className = 'warn'; });
    $('node-note').textContent = `the node list is unavailable: ${problemText(e)}`;
  });
}

// ---------------------------------------------------------------------------------------------
// Start: ask the hub what this token may do, hide the rest (the hub checks every request anyway)

let admin = false;

async function start() {
  $('token').value = token;
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    token = $('token').value.trim();
    sessionStorage.setItem('switchboard.token', token);
    location.reload();
  });
  let scopes = [];
  try {
    const who = await api('GET', '/api/v1/whoami');
    scopes = who.scopes || [];
    $('who').textContent = who.anonymous ? 'no auth' : `${who.name}: ${scopes.join(' ') || 'no scopes'}`;
    $('who').title = who.expires_at ? `token expires ${who.expires_at}` : $('who').textContent;
  } catch (e) {
    $('auth-note').hidden = false;
    $('auth-note').textContent = e.status === 401
      ? `This hub needs a token: paste an API key or JWT above (${e.message})` : `The hub did not answer: ${problemText(e)}`;
  }
  admin = scopes.includes('admin');
  window.switchboardScopes = scopes;
  for (const el of document.querySelectorAll('[data-needs]')) {
    el.hidden = !el.dataset.needs.split(' ').some((s) => scopes.includes(s));
  }
  setupTopics();
  setupQueues();
  setupStore();
  setupWebhooks();
  if (scopes.length) {
    bridge = new Bridge();
    bridge.onopen = () => watches.forEach((w) => w.renew());
    if (scopes.includes('subscribe')) {
      watchTopics();
      // the $all tail: every appended event is also a topic message on streams.{category}
      if (admin) {
        watch(bridge, ['streams.#'], (event) => {
          const row = prepend('store-rows');
          cell(row, '$all');
          cell(row, event.subject);
          cell(row, event.type);
          cell(row, JSON.stringify(event.data), 'data');
        });
      }
    }
  }
  if (admin) {
    setupCharts();
    every(3000, queues);
    every(3000, projections);
    every(3000, webhooks);
    every(3000, nodes);
  } else {
    live.hub = true;
    showLive();
  }
}

start();
