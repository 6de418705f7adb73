/* threadcare: the moderators' dashboard.
 *
 * Plain JavaScript, no framework, no build step, nothing fetched from elsewhere. Every piece of
 * text that comes from the API (post text, names, explanations) is inserted as a text node, never
 * as HTML. The pure helpers at the top (offsets, time, tree, chart layout) are exported for the
 * unit tests in e2e/unit when this file is loaded by Node.
 */
'use strict';

/* ------------------------------------------------------------------------------------------ */
/* Pure helpers (no DOM)                                                                      */
/* ------------------------------------------------------------------------------------------ */

const LEVELS = ['none', 'low', 'moderate', 'severe', 'imminent'];

function levelRank(level) {
  const r = LEVELS.indexOf(level);
  return r < 0 ? 0 : r;
}

/** "3 h 20 min", "2 d 4 h", "12 min", "under a minute". */
function formatDuration(seconds) {
  if (seconds == null || !isFinite(seconds)) return '';
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return 'under a minute';
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) {
    const m = min % 60;
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(h / 24);
  const hh = h % 24;
  return hh ? `${d} d ${hh} h` : `${d} d`;
}

/** "waiting 3 h 20 min", or null when the item is not waiting (answered or responded to). */
function formatWaiting(seconds) {
  if (seconds == null) return null;
  return `waiting ${formatDuration(seconds)}`;
}

const encoder = typeof TextEncoder !== 'undefined' ? new TextEncoder() : null;
const decoder = typeof TextDecoder !== 'undefined' ? new TextDecoder('utf-8') : null;

/** Moves a byte offset back to the start of the UTF-8 character it falls in, within [0, len]. */
function snapToBoundary(bytes, offset) {
  let b = Math.max(0, Math.min(bytes.length, Math.floor(Number(offset) || 0)));
  while (b > 0 && b < bytes.length && (bytes[b] & 0xc0) === 0x80) b -= 1;
  return b;
}

/** The JavaScript string index (UTF-16 code units) of a byte offset into the UTF-8 text. */
function byteToIndex(text, byteOffset) {
  const bytes = encoder.encode(text);
  const b = snapToBoundary(bytes, byteOffset);
  return decoder.decode(bytes.subarray(0, b)).length;
}

/**
 * Cuts `text` at the byte offsets of `spans` ([{start, end}], half-open, bytes into the UTF-8
 * text, as the API gives them) and returns the pieces in order: {text, spans: [indices of the
 * spans covering the piece]}. Overlapping spans are fine; offsets outside the text are clamped
 * and offsets inside a character are moved to its start, so a bad offset can never cut a
 * character in two.
 */
function segmentText(text, spans) {
  const bytes = encoder.encode(text || '');
  const fixed = (spans || []).map((s) => {
    const start = snapToBoundary(bytes, s.start);
    const end = snapToBoundary(bytes, s.end);
    return { start, end };
  });
  const cuts = new Set([0, bytes.length]);
  fixed.forEach((s) => {
    if (s.end > s.start) {
      cuts.add(s.start);
      cuts.add(s.end);
    }
  });
  const points = Array.from(cuts).sort((a, b) => a - b);
  const pieces = [];
  for (let i = 0; i + 1 < points.length; i += 1) {
    const a = points[i];
    const b = points[i + 1];
    if (b <= a) continue;
    const covering = [];
    fixed.forEach((s, idx) => {
      if (s.end > s.start && s.start <= a && s.end >= b) covering.push(idx);
    });
    pieces.push({ text: decoder.decode(bytes.subarray(a, b)), spans: covering });
  }
  return pieces;
}

const RISK_FAMILIES = new Set(['suicidality', 'self_harm', 'eating_disorder', 'substance', 'risk_factor']);

/**
 * How a signal is drawn: context first (negated, someone else's, imagined, quoted, in the past),
 * then the kind of evidence (risk, protective, a reply's support or harm, a relationship theme).
 */
function signalStyle(signal) {
  if (signal.negated) return 'negated';
  if (signal.experiencer === 'other') return 'other';
  if (signal.certainty === 'hypothetical') return 'hypothetical';
  if (signal.quoted) return 'quoted';
  if (signal.temporality === 'historical') return 'historical';
  if (signal.family === 'reply') return String(signal.construct || '').startsWith('harm') ? 'harm' : 'support';
  if (signal.family === 'protective') return 'protective';
  if (signal.family === 'relationship') return 'theme';
  return 'risk';
}

/** Which style wins where spans overlap: what matters most to a moderator first. */
const STYLE_PRIORITY = ['harm', 'risk', 'support', 'protective', 'theme', 'historical', 'other', 'hypothetical', 'quoted', 'negated'];

function dominantStyle(signals) {
  let best = null;
  signals.forEach((s) => {
    const st = signalStyle(s);
    if (best === null || STYLE_PRIORITY.indexOf(st) < STYLE_PRIORITY.indexOf(best)) best = st;
  });
  return best;
}

/** Words describing a signal's context, for tooltips and the evidence list. */
function signalNotes(signal) {
  const notes = [];
  if (signal.negated) notes.push('negated');
  if (signal.experiencer === 'other') notes.push('about another person');
  if (signal.temporality && signal.temporality !== 'current') notes.push(signal.temporality);
  if (signal.certainty && signal.certainty !== 'definite') notes.push(signal.certainty);
  if (signal.quoted) notes.push('quoted');
  return notes;
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

function humanize(word) {
  return String(word || '').replace(/_/g, ' ');
}

/**
 * Nests a thread's items by parent_id, keeping their order. An item whose parent is not in the
 * thread (a comment feed without its post, a removed parent) becomes a root marked `orphan`.
 */
function buildTree(items) {
  const nodes = new Map();
  items.forEach((item) => nodes.set(item.id, { item, children: [], orphan: false }));
  const roots = [];
  items.forEach((item) => {
    const node = nodes.get(item.id);
    const parent = item.parent_id != null ? nodes.get(item.parent_id) : undefined;
    if (parent && parent !== node) {
      parent.children.push(node);
    } else {
      node.orphan = item.parent_id != null;
      roots.push(node);
    }
  });
  return roots;
}

/** Items of a tree in reading order (depth first), for j/k. */
function flattenTree(roots) {
  const out = [];
  const walk = (n) => {
    out.push(n.item);
    n.children.forEach(walk);
  };
  roots.forEach(walk);
  return out;
}

/** The crisis resources for a locale, plus those meant for everywhere; the default locale's when
 * the chosen one has none of its own. */
function resourcesFor(config, locale) {
  const all = (config && config.crisis_resources) || [];
  const generic = (r) => !r.locale || ['*', 'any', 'all', 'und'].includes(String(r.locale).toLowerCase());
  let own = all.filter((r) => r.locale === locale);
  if (own.length === 0 && config && config.default_locale && config.default_locale !== locale) {
    own = all.filter((r) => r.locale === config.default_locale);
  }
  return own.concat(all.filter(generic));
}

function localesOf(config) {
  const set = [];
  ((config && config.crisis_resources) || []).forEach((r) => {
    if (r.locale && !set.includes(r.locale) && !['*', 'any', 'all', 'und'].includes(String(r.locale).toLowerCase())) set.push(r.locale);
  });
  if (config && config.default_locale && !set.includes(config.default_locale)) set.unshift(config.default_locale);
  return set;
}

/** "#/thread/abc?item=x" -> {view: 'thread', args: ['abc'], params: {item: 'x'}}. */
function parseRoute(hash) {
  let h = String(hash || '').replace(/^#/, '');
  if (h.startsWith('/')) h = h.slice(1);
  const q = h.indexOf('?');
  const path = q >= 0 ? h.slice(0, q) : h;
  const query = q >= 0 ? h.slice(q + 1) : '';
  const parts = path.split('/').filter((p) => p !== '').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch (e) {
      return p;
    }
  });
  const params = {};
  query.split('&').filter(Boolean).forEach((kv) => {
    const i = kv.indexOf('=');
    const k = i >= 0 ? kv.slice(0, i) : kv;
    const v = i >= 0 ? kv.slice(i + 1) : '';
    try {
      params[decodeURIComponent(k)] = decodeURIComponent(v.replace(/\+/g, ' '));
    } catch (e) {
      params[k] = v;
    }
  });
  return { view: parts[0] || 'queue', args: parts.slice(1), params };
}

/** Takes `token=...` out of a fragment: {token, rest} (rest is the fragment without it). */
function tokenFromFragment(hash) {
  const h = String(hash || '').replace(/^#/, '');
  const m = /(^|[&?])token=([^&]*)/.exec(h);
  if (!m) return { token: null, rest: h };
  let token;
  try {
    token = decodeURIComponent(m[2]);
  } catch (e) {
    token = m[2];
  }
  const before = h.slice(0, m.index);
  const after = h.slice(m.index + m[0].length);
  let rest;
  if (m[1] === '?') rest = before + (after.startsWith('&') ? `?${after.slice(1)}` : after);
  else if (m[1] === '&') rest = before + after;
  else rest = after.replace(/^&/, '');
  return { token: token || null, rest };
}

function threadHref(threadId, itemId, extra) {
  let href = `#/thread/${encodeURIComponent(threadId)}`;
  const q = [];
  if (itemId) q.push(`item=${encodeURIComponent(itemId)}`);
  if (extra) q.push(extra);
  if (q.length) href += `?${q.join('&')}`;
  return href;
}

function writerHref(author) {
  return `#/writer/${encodeURIComponent(author)}`;
}

/**
 * Where each point of a writer's timeline goes in the chart: x by time, y by level (none at the
 * bottom, imminent at the top). Returns {points: [{x, y, point}], ticks: [{x, t}], levels: [{y,
 * level}], band} in the coordinates of a width x height box with the given margins.
 */
function chartLayout(points, alert, width, height, margin) {
  const m = margin || { left: 96, right: 24, top: 24, bottom: 44 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const times = points.map((p) => Date.parse(p.at)).filter((t) => isFinite(t));
  let t0 = times.length ? Math.min(...times) : 0;
  let t1 = times.length ? Math.max(...times) : 1;
  if (alert) {
    const a = Date.parse(alert.since);
    const b = Date.parse(alert.until);
    if (isFinite(a)) t0 = Math.min(t0, a);
    if (isFinite(b)) t1 = Math.max(t1, b);
  }
  if (t1 - t0 < 3600 * 1000) {
    // one point, or all within an hour: centre them over a day
    const mid = (t0 + t1) / 2;
    t0 = mid - 12 * 3600 * 1000;
    t1 = mid + 12 * 3600 * 1000;
  }
  const pad = (t1 - t0) * 0.04;
  t0 -= pad;
  t1 += pad;
  const xOf = (t) => m.left + ((t - t0) / (t1 - t0)) * plotW;
  const yOf = (rank) => m.top + ((LEVELS.length - 1 - rank) / (LEVELS.length - 1)) * plotH;
  const laid = points.map((p) => ({ x: xOf(Date.parse(p.at)), y: yOf(levelRank(p.level)), point: p }));
  const ticks = [];
  const n = 6;
  for (let i = 0; i <= n; i += 1) {
    const t = t0 + ((t1 - t0) * i) / n;
    ticks.push({ x: xOf(t), t });
  }
  const levels = LEVELS.map((level, rank) => ({ level, y: yOf(rank) }));
  let band = null;
  if (alert) {
    const a = Date.parse(alert.since);
    const b = Date.parse(alert.until);
    if (isFinite(a) && isFinite(b)) band = { x: xOf(a), w: Math.max(2, xOf(b) - xOf(a)), y: m.top, h: plotH };
  }
  return { points: laid, ticks, levels, band, margin: m, plotW, plotH, span: t1 - t0 };
}

const lib = {
  LEVELS,
  levelRank,
  formatDuration,
  formatWaiting,
  byteToIndex,
  segmentText,
  signalStyle,
  dominantStyle,
  signalNotes,
  buildTree,
  flattenTree,
  resourcesFor,
  localesOf,
  parseRoute,
  tokenFromFragment,
  threadHref,
  writerHref,
  chartLayout,
};

/* ------------------------------------------------------------------------------------------ */
/* The page                                                                                   */
/* ------------------------------------------------------------------------------------------ */

const TOKEN_KEY = 'threadcare.token';
const LOCALE_KEY = 'threadcare.locale';
const SVG_NS = 'http://www.w3.org/2000/svg';

const S = {
  token: null,
  me: null,
  config: null,
  locale: null,
  readOnly: true,
  route: null,
  filters: { min_level: 'low', include_resolved: false, limit: 100 },
  queue: null,
  sel: 0,
  thread: null,
  order: [],
  threadSel: 0,
  timeline: null,
  timelineSel: -1,
  refreshTimer: null,
  renderSeq: 0,
};

/** Builds an element. Strings and numbers become text nodes; never HTML. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  if (!attrs) return;
  Object.keys(attrs).forEach((k) => {
    const v = attrs[k];
    if (v === null || v === undefined || v === false) return;
    if (k === 'class') el.setAttribute('class', v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  });
}

function append(el, children) {
  children.flat(Infinity).forEach((c) => {
    if (c === null || c === undefined || c === false) return;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  });
}

function $(id) {
  return document.getElementById(id);
}

function say(message) {
  const st = $('status');
  st.textContent = '';
  // a fresh text node so that screen readers announce a repeated message again
  window.setTimeout(() => {
    st.textContent = message;
  }, 30);
}

function showError(message) {
  const el = $('error');
  if (!message) {
    el.hidden = true;
    el.textContent = '';
    return;
  }
  el.hidden = false;
  el.textContent = message;
}

function formatTime(iso) {
  if (!iso) return 'time unknown';
  const d = new Date(iso);
  if (isNaN(d.getTime())) return 'time unknown';
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

function formatDay(t) {
  return new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' }).format(new Date(t));
}

function formatHour(t) {
  return new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' }).format(new Date(t));
}

function timeEl(iso) {
  if (!iso) return h('span', { class: 'muted' }, 'time unknown');
  return h('time', { datetime: iso }, formatTime(iso));
}

function badge(level) {
  const l = LEVELS.includes(level) ? level : 'none';
  return h('span', { class: `badge level-${l}`, title: `Level: ${l}` }, l);
}

/* ---- API ---- */

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(path, options) {
  const opts = options || {};
  const headers = { Accept: 'application/json', Authorization: `Bearer ${S.token}` };
  let body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  let res;
  try {
    res = await fetch(path, { method: opts.method || 'GET', headers, body, cache: 'no-store', credentials: 'omit' });
  } catch (e) {
    throw new ApiError(0, 'network', 'The server did not answer. Is threadcare still running?');
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      data = null;
    }
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : {};
    const e = new ApiError(res.status, err.code || `http_${res.status}`, err.message || `The server answered ${res.status}.`);
    if (res.status === 401) {
      signOut(`Signed out: ${e.message}`);
    }
    throw e;
  }
  return data;
}

/* ---- sign in ---- */

function takeTokenFromAddress() {
  const { token, rest } = tokenFromFragment(window.location.hash);
  if (token) {
    try {
      window.sessionStorage.setItem(TOKEN_KEY, token);
    } catch (e) {
      /* storage refused: keep it in memory only */
    }
    S.token = token;
    const fragment = rest ? `#${rest}` : '#/queue';
    window.history.replaceState(null, '', window.location.pathname + window.location.search + fragment);
  }
}

function showSignIn(message) {
  $('nav').hidden = true;
  $('session').hidden = true;
  $('role-banner').hidden = true;
  $('view').textContent = '';
  $('signin').hidden = false;
  showError(message || null);
  const input = $('token-input');
  input.value = '';
  input.focus();
}

function signOut(message) {
  S.token = null;
  S.me = null;
  try {
    window.sessionStorage.removeItem(TOKEN_KEY);
  } catch (e) {
    /* nothing stored */
  }
  if (S.refreshTimer) window.clearInterval(S.refreshTimer);
  S.refreshTimer = null;
  showSignIn(message);
}

async function signIn() {
  try {
    const [me, config] = await Promise.all([api('/api/v1/me'), api('/api/v1/config')]);
    S.me = me;
    S.config = config || { crisis_resources: [], default_locale: 'en-US' };
  } catch (e) {
    if (e.status !== 401) showSignIn(e.message);
    return;
  }
  S.readOnly = !S.me || S.me.role === 'researcher';
  document.body.classList.toggle('read-only', S.readOnly);
  $('signin').hidden = true;
  showError(null);
  $('nav').hidden = false;
  $('session').hidden = false;
  $('role-banner').hidden = !(S.me && S.me.role === 'researcher');
  $('whoami').textContent = `Signed in as ${S.me.label} (${S.me.role})`;
  setupLocales();
  if (!S.refreshTimer) {
    S.refreshTimer = window.setInterval(autoRefresh, 60000);
  }
  route();
}

function setupLocales() {
  const picker = $('locale-picker');
  picker.textContent = '';
  const locales = localesOf(S.config);
  let saved = null;
  try {
    saved = window.localStorage.getItem(LOCALE_KEY);
  } catch (e) {
    saved = null;
  }
  S.locale = locales.includes(saved) ? saved : S.config.default_locale || locales[0] || 'en-US';
  locales.forEach((l) => picker.appendChild(h('option', { value: l, selected: l === S.locale }, l)));
}

/* ---- routing ---- */

function route() {
  if (!S.token || !S.me) return;
  S.route = parseRoute(window.location.hash);
  document.querySelectorAll('[data-nav]').forEach((a) => {
    const current = a.dataset.nav === S.route.view || (a.dataset.nav === 'writers' && S.route.view === 'writer');
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  showError(null);
  const seq = ++S.renderSeq;
  let p;
  switch (S.route.view) {
    case 'thread':
      p = renderThread(S.route.args[0], S.route.params.item, S.route.params.act, seq);
      break;
    case 'writer':
      p = renderTimeline(S.route.args[0], seq);
      break;
    case 'writers':
      p = renderWriters(seq);
      break;
    case 'queue':
    default:
      p = renderQueue(seq, { focus: true });
  }
  Promise.resolve(p).catch((e) => {
    if (e instanceof ApiError && e.status === 401) return;
    showError(e.message || String(e));
  });
}

function setView(node, title) {
  const view = $('view');
  view.textContent = '';
  view.appendChild(node);
  document.title = `${title} — threadcare`;
}

/* ---- crisis resources ---- */

/** Crisis resources for the chosen locale. `compact` (the queue) leaves the notes to a tooltip. */
function crisisAside(compact) {
  const list = resourcesFor(S.config, S.locale);
  return h(
    'aside',
    { class: 'crisis', 'aria-label': 'Crisis resources' },
    h('h3', null, `Crisis resources (${S.locale})`),
    list.length === 0
      ? h('p', null, 'No crisis resources are configured for this locale. Use the local emergency number.')
      : h(
          'ul',
          null,
          list.map((r) =>
            h(
              'li',
              { title: compact && r.note ? r.note : null },
              h('span', { class: 'name' }, r.name || ''),
              r.contact ? ' — ' : '',
              h('span', { class: 'contact' }, r.contact || ''),
              r.note && !compact ? h('div', { class: 'hint' }, r.note) : null,
            ),
          ),
        ),
  );
}

/* ---- queue ---- */

function queueQuery() {
  const f = S.filters;
  const q = new URLSearchParams({ min_level: f.min_level, limit: String(f.limit), offset: '0', include_resolved: String(f.include_resolved) });
  return `/api/v1/queue?${q.toString()}`;
}

async function renderQueue(seq, opts) {
  const keepId = S.queue && S.queue.entries[S.sel] ? S.queue.entries[S.sel].item_id : null;
  const data = await api(queueQuery());
  if (seq !== S.renderSeq) return;
  S.queue = { entries: (data && data.entries) || [], stats: (data && data.stats) || null };
  const idx = keepId ? S.queue.entries.findIndex((e) => e.item_id === keepId) : -1;
  S.sel = idx >= 0 ? idx : Math.min(S.sel, Math.max(0, S.queue.entries.length - 1));

  const view = h(
    'section',
    { 'aria-labelledby': 'queue-title' },
    h('h1', { id: 'queue-title' }, 'Queue: who may need a person now'),
    statsList(S.queue.stats),
    queueFilters(),
    S.queue.entries.length === 0
      ? h('p', { class: 'empty' }, 'Nothing in the queue at this level. New posts appear here as they arrive.')
      : h(
          'ol',
          { class: 'queue', id: 'queue', 'aria-label': 'Items ordered by urgency' },
          S.queue.entries.map((e, i) => queueEntry(e, i)),
        ),
    S.queue.entries.length >= S.filters.limit
      ? h(
          'p',
          null,
          h(
            'button',
            {
              type: 'button',
              id: 'more',
              onclick: () => {
                S.filters.limit += 100;
                renderQueue(++S.renderSeq, { focus: true }).catch((e) => showError(e.message));
              },
            },
            'Show 100 more',
          ),
        )
      : null,
  );
  setView(view, 'Queue');
  selectEntry(S.sel, opts && opts.focus);
}

function statsList(stats) {
  if (!stats) return null;
  const open = stats.open_by_level || [];
  const items = [];
  for (let r = LEVELS.length - 1; r >= 0; r -= 1) {
    items.push(h('li', null, badge(LEVELS[r]), ' ', h('strong', null, String(open[r] || 0)), ' open'));
  }
  items.push(h('li', null, h('strong', null, String(stats.threads || 0)), ' threads'));
  items.push(h('li', null, h('strong', null, String(stats.items || 0)), ' items'));
  items.push(h('li', null, h('strong', null, String(stats.actions || 0)), ' actions'));
  return h('ul', { class: 'stats', 'aria-label': 'Counts' }, items);
}

function queueFilters() {
  const min = h(
    'select',
    {
      id: 'min-level',
      onchange: (ev) => {
        S.filters.min_level = ev.target.value;
        S.sel = 0;
        renderQueue(++S.renderSeq).catch((e) => showError(e.message));
      },
    },
    LEVELS.map((l) => h('option', { value: l, selected: l === S.filters.min_level }, l)),
  );
  const resolved = h('input', {
    type: 'checkbox',
    id: 'include-resolved',
    checked: S.filters.include_resolved,
    onchange: (ev) => {
      S.filters.include_resolved = ev.target.checked;
      renderQueue(++S.renderSeq).catch((e) => showError(e.message));
    },
  });
  return h(
    'div',
    { class: 'filters', role: 'group', 'aria-label': 'Filters' },
    h('label', { for: 'min-level' }, 'Lowest level shown'),
    min,
    h('label', null, resolved, 'Include resolved items'),
    h('button', { type: 'button', id: 'refresh', onclick: () => renderQueue(++S.renderSeq, { focus: true }).then(() => say('Queue refreshed.')).catch((e) => showError(e.message)) }, 'Refresh'),
    h('span', { class: 'hint' }, `${S.queue.entries.length} shown. Keys: j/k move, Enter opens, ? for all.`),
  );
}

function stateChips(state, claimedBy) {
  const chips = [];
  if (claimedBy) chips.push(h('span', { class: 'chip held' }, `claimed by ${claimedBy}`));
  else if (state && state !== 'open' && state !== 'claimed') chips.push(h('span', { class: state === 'resolved' ? 'chip ok' : 'chip' }, state));
  if (state === 'responded' && claimedBy) chips.push(h('span', { class: 'chip' }, 'responded'));
  return chips;
}

function queueEntry(e, i) {
  const title = e.thread_title || (e.kind === 'post' ? 'Untitled post' : 'Comment in an untitled thread');
  const waiting = formatWaiting(e.waiting_seconds);
  const li = h(
    'li',
    {
      class: `entry lvl-${e.level}`,
      tabindex: '-1',
      'data-index': String(i),
      'data-item-id': e.item_id,
      'data-level': e.level,
      'aria-label': `${e.level}: ${title}`,
      onclick: (ev) => {
        if (ev.target.closest('a,button,select,input,textarea')) return;
        selectEntry(i, true);
      },
    },
    h(
      'div',
      { class: 'entry-main' },
      h(
        'div',
        { class: 'entry-head' },
        badge(e.level),
        h('span', { class: 'chip', title: 'Columbia Suicide Severity Rating Scale screener level, 0–6' }, `C-SSRS ${e.cssrs}`),
        h('a', { class: 'entry-title', href: threadHref(e.thread_id, e.item_id) }, title),
        h('span', { class: 'muted' }, e.kind === 'post' ? 'post' : 'comment'),
        e.unanswered_at_risk ? h('span', { class: 'chip warn' }, 'no supportive reply yet') : null,
        e.concern_for_other ? h('span', { class: 'chip' }, 'concern for someone else') : null,
        stateChips(e.state, e.claimed_by),
      ),
      h(
        'div',
        { class: 'entry-meta' },
        h('span', null, 'by ', e.author ? h('a', { href: writerHref(e.author) }, e.author) : 'unknown writer'),
        h('span', null, 'written ', timeEl(e.created_at)),
        waiting ? h('span', { class: 'waiting' }, h('strong', null, waiting)) : h('span', { class: 'waiting' }, 'answered or responded to'),
        typeof e.confidence === 'number' ? h('span', null, `confidence ${Math.round(e.confidence * 100)}%`) : null,
      ),
      h('p', { class: 'explanation' }, e.explanation || ''),
      e.trend ? trendNote(e.trend) : null,
      S.readOnly
        ? null
        : h(
            'div',
            { class: 'entry-actions' },
            e.claimed_by
              ? actionButton('unclaim', 'Unclaim', e.item_id, () => renderQueue(++S.renderSeq))
              : actionButton('claim', 'Claim', e.item_id, () => renderQueue(++S.renderSeq)),
            h('a', { href: threadHref(e.thread_id, e.item_id, 'act=responded'), class: 'button-link' }, 'Mark responded…'),
            e.state === 'resolved'
              ? actionButton('reopen', 'Reopen', e.item_id, () => renderQueue(++S.renderSeq))
              : actionButton('resolve', 'Resolve', e.item_id, () => renderQueue(++S.renderSeq)),
          ),
    ),
    h('div', { class: 'entry-side' }, e.level === 'imminent' ? crisisAside(true) : null),
  );
  return li;
}

function trendNote(t) {
  return h(
    'p',
    { class: 'trend' },
    h('strong', null, `Rising: ${t.from} → ${t.to}`),
    ` (${formatDay(t.since)} – ${formatDay(t.until)}). `,
    t.explanation || '',
    ' ',
    h('a', { href: writerHref(t.author) }, 'See the timeline'),
  );
}

function selectEntry(i, focus) {
  const list = document.querySelectorAll('#queue > li.entry');
  if (list.length === 0) return;
  const n = Math.max(0, Math.min(list.length - 1, i));
  S.sel = n;
  list.forEach((li, k) => {
    li.classList.toggle('selected', k === n);
    li.setAttribute('tabindex', k === n ? '0' : '-1');
    if (k === n) li.setAttribute('aria-current', 'true');
    else li.removeAttribute('aria-current');
  });
  if (focus) {
    list[n].focus({ preventScroll: true });
    list[n].scrollIntoView({ block: 'nearest' });
  }
}

function openEntry(i) {
  const e = S.queue && S.queue.entries[i];
  if (!e) return;
  window.location.hash = threadHref(e.thread_id, e.item_id);
}

function autoRefresh() {
  if (!S.me || document.hidden || !S.route || S.route.view !== 'queue') return;
  const active = document.activeElement;
  if (active && active.closest && active.closest('form,select,input,textarea')) return;
  const focusOnEntry = !!(active && active.classList && active.classList.contains('entry'));
  renderQueue(++S.renderSeq, { focus: focusOnEntry }).catch(() => {});
}

/* ---- actions ---- */

const ACTION_DONE = {
  claim: 'Claimed',
  unclaim: 'Unclaimed',
  note: 'Note saved',
  responded: 'Marked responded',
  resolve: 'Resolved',
  reopen: 'Reopened',
};

async function recordAction(itemId, kind, note) {
  if (S.readOnly) {
    say('Read only: this token cannot record actions.');
    return false;
  }
  const body = { kind };
  if (note) body.note = note;
  try {
    await api(`/api/v1/items/${encodeURIComponent(itemId)}/actions`, { method: 'POST', json: body });
  } catch (e) {
    if (e.status !== 401) showError(`Could not record '${kind}': ${e.message}`);
    return false;
  }
  showError(null);
  say(`${ACTION_DONE[kind] || kind} by ${S.me.label}.`);
  return true;
}

function actionButton(kind, label, itemId, after) {
  return h(
    'button',
    {
      type: 'button',
      'data-action': kind,
      onclick: async (ev) => {
        ev.currentTarget.disabled = true;
        const ok = await recordAction(itemId, kind);
        if (ok && after) await after();
        else if (ev.currentTarget) ev.currentTarget.disabled = false;
      },
    },
    label,
  );
}

/* ---- thread ---- */

async function renderThread(threadId, focusItemId, act, seq) {
  if (!threadId) {
    window.location.hash = '#/queue';
    return;
  }
  const data = await api(`/api/v1/threads/${encodeURIComponent(threadId)}`);
  if (seq !== S.renderSeq) return;
  S.thread = data;
  const items = (data && data.items) || [];
  const roots = buildTree(items);
  S.order = flattenTree(roots);
  const byId = new Map(items.map((it) => [it.id, it]));
  const summary = data.summary || {};
  const title = summary.title || (items[0] && items[0].title) || 'Untitled thread';
  const replies = summary.replies || {};
  // Items (post or comment) whose writer is at risk and has no supportive reply yet.
  S.unanswered = new Set(summary.unanswered_items || []);
  const commentersUnanswered = items.filter((it) => it.kind !== 'post' && S.unanswered.has(it.id)).length;

  const view = h(
    'section',
    { 'aria-labelledby': 'thread-title', class: 'thread-view', 'data-thread-id': threadId },
    h('p', null, h('a', { href: '#/queue' }, '← Back to the queue')),
    h(
      'div',
      { class: 'thread-head' },
      h('h1', { id: 'thread-title' }, title),
      h(
        'div',
        { class: 'summary' },
        h('span', null, 'Thread level ', badge(summary.level)),
        h('span', null, 'highest item ', badge(summary.highest_level)),
        summary.unanswered_at_risk ? h('span', { class: 'chip warn' }, 'unanswered at risk: no supportive reply yet') : null,
        commentersUnanswered ? h('span', { class: 'chip warn' }, `${plural(commentersUnanswered, 'commenter', 'commenters')} at risk without a supportive reply`) : null,
        h('span', { class: 'chip' }, plural(replies.count || 0, 'reply', 'replies')),
        h('span', { class: 'chip' }, `${replies.supportive || 0} supportive`),
        h('span', { class: 'chip' }, `${replies.with_referral || 0} with referral`),
        replies.harmful ? h('span', { class: 'chip warn' }, `${replies.harmful} could harm`) : h('span', { class: 'chip' }, '0 harmful'),
      ),
      summary.explanation ? h('p', { class: 'explanation' }, summary.explanation) : null,
      legend(),
    ),
    h('ol', { class: 'tree', id: 'tree', 'aria-label': 'The post and its replies' }, roots.map((n) => treeNode(n, byId))),
  );
  setView(view, title);

  let idx = focusItemId ? S.order.findIndex((it) => it.id === focusItemId) : 0;
  if (idx < 0) idx = 0;
  if (focusItemId) {
    const el = itemElement(focusItemId);
    if (el) el.classList.add('target');
  }
  selectItem(idx, idx > 0);
  if (idx === 0) {
    // the post: keep the thread's head (title, summary, legend) in view
    const arts = document.querySelectorAll('article.item');
    if (arts[0]) arts[0].focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
  if (act === 'responded' || act === 'note') openForm(S.order[idx] && S.order[idx].id, act);
}

function legend() {
  const entries = [
    ['risk', 'risk evidence'],
    ['protective', 'protective'],
    ['support', 'supportive reply'],
    ['harm', 'could harm'],
    ['theme', 'relationship theme'],
    ['negated', 'negated'],
    ['historical', 'in the past'],
    ['other', 'about another person'],
    ['hypothetical', 'hypothetical'],
    ['quoted', 'quoted'],
  ];
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'How evidence is highlighted' },
    h('li', null, h('strong', null, 'Evidence:')),
    entries.map(([cls, text]) => h('li', null, h('mark', { class: `ev ev-${cls}` }, text))),
  );
}

function treeNode(node, byId) {
  return h(
    'li',
    null,
    itemArticle(node.item, node.orphan, byId),
    node.children.length ? h('ol', { 'aria-label': 'Replies' }, node.children.map((c) => treeNode(c, byId))) : null,
  );
}

function itemDomId(itemId) {
  const idx = S.order.findIndex((it) => it.id === itemId);
  return `item-${idx}`;
}

function itemElement(itemId) {
  return document.getElementById(itemDomId(itemId));
}

/** The text with its evidence spans as <mark> elements (text nodes only). */
function highlighted(text, signals) {
  const frag = document.createDocumentFragment();
  const pieces = segmentText(text, signals);
  pieces.forEach((piece) => {
    if (piece.spans.length === 0) {
      frag.appendChild(document.createTextNode(piece.text));
      return;
    }
    const sigs = piece.spans.map((k) => signals[k]);
    const style = dominantStyle(sigs);
    const tip = sigs.map((s) => {
      const notes = signalNotes(s);
      return `${humanize(s.construct)}${notes.length ? ` (${notes.join(', ')})` : ''}`;
    });
    frag.appendChild(
      h('mark', { class: `ev ev-${style}`, 'data-constructs': sigs.map((s) => s.construct).join(' '), title: tip.join('; ') }, piece.text),
    );
  });
  return frag;
}

function itemArticle(item, orphan, byId) {
  const domId = itemDomId(item.id);
  const signals = item.signals || [];
  const textSignals = signals.filter((s) => !s.in_title);
  const titleSignals = signals.filter((s) => s.in_title);
  const parent = item.parent_id ? byId.get(item.parent_id) : null;
  const level = LEVELS.includes(item.level) ? item.level : 'none';

  const head = h(
    'div',
    { class: 'item-head' },
    badge(level),
    h('span', { class: 'chip', title: 'Columbia Suicide Severity Rating Scale screener level, 0–6' }, `C-SSRS ${item.cssrs}`),
    h('strong', null, item.kind === 'post' ? 'Post' : parent ? `Reply to ${parent.author || 'unknown writer'}` : 'Reply'),
    h('span', null, 'by ', item.author ? h('a', { href: writerHref(item.author) }, item.author) : 'unknown writer'),
    timeEl(item.created_at),
    item.version > 1 ? h('span', { class: 'chip', title: 'This item was edited; earlier versions are kept' }, `edited (version ${item.version})`) : null,
    item.concern_for_other ? h('span', { class: 'chip' }, 'concern for someone else') : null,
    item.kind !== 'post' && S.unanswered && S.unanswered.has(item.id)
      ? h('span', { class: 'chip warn', title: 'This writer is at severe or imminent risk and no one has answered them with support yet' }, 'at risk: no supportive reply yet')
      : null,
    orphan ? h('span', { class: 'chip' }, 'replies to an item not stored here') : null,
    stateChips(item.state, item.claimed_by),
  );

  const main = h(
    'div',
    { class: 'item-main' },
    head,
    item.title ? h('h2', { class: 'item-title' }, highlighted(item.title, titleSignals)) : null,
    item.text ? h('p', { class: 'item-text' }, highlighted(item.text, textSignals)) : h('p', { class: 'item-text muted' }, '(no text: removed at the source)'),
    item.reply ? replyMarks(item.reply) : null,
    actionsLog(item.actions || []),
    S.readOnly ? null : actionBar(item),
  );

  const side = h(
    'aside',
    { class: 'item-side', 'aria-label': 'Why this level' },
    level === 'imminent' ? crisisAside() : null,
    h('p', { class: 'explanation' }, h('strong', null, 'Why: '), item.explanation || 'No explanation given.'),
    factorsLine(item),
    evidenceList(signals),
  );

  return h(
    'article',
    {
      class: `item lvl-${level}`,
      id: domId,
      tabindex: '-1',
      'data-item-id': item.id,
      'data-level': level,
      'aria-label': `${item.kind === 'post' ? 'Post' : 'Reply'} by ${item.author || 'unknown writer'}, level ${level}`,
      onclick: (ev) => {
        if (ev.target.closest('a,button,textarea,input,select,form')) return;
        selectItem(S.order.findIndex((it) => it.id === item.id), false);
      },
    },
    main,
    side,
  );
}

function factorsLine(item) {
  const f = item.factors || {};
  const parts = [];
  if (f.risk && f.risk.length) parts.push(h('div', null, h('strong', null, 'Risk factors: '), f.risk.map(humanize).join(', ')));
  if (f.protective && f.protective.length) parts.push(h('div', null, h('strong', null, 'Protective: '), f.protective.map(humanize).join(', ')));
  if (item.themes && item.themes.length) parts.push(h('div', null, h('strong', null, 'Themes: '), item.themes.map(humanize).join(', ')));
  if (typeof item.confidence === 'number') parts.push(h('div', { class: 'muted' }, `Confidence ${Math.round(item.confidence * 100)}%`));
  return parts.length ? h('div', { class: 'factors' }, parts) : null;
}

function evidenceList(signals) {
  if (!signals.length) return h('p', { class: 'muted' }, 'No evidence spans.');
  return h(
    'div',
    null,
    h('strong', null, 'Evidence'),
    h(
      'ul',
      { class: 'evidence' },
      signals.map((s) => {
        const notes = signalNotes(s);
        const cues = (s.cues || []).map((c) => `${humanize(c.category)} cue “${c.text}”`);
        return h(
          'li',
          null,
          h('mark', { class: `ev ev-${signalStyle(s)}` }, `“${s.text}”`),
          ' ',
          humanize(s.construct),
          s.in_title ? ' (in the title)' : '',
          notes.length ? ` — ${notes.join(', ')}` : '',
          cues.length ? ` — ${cues.join('; ')}` : '',
        );
      }),
    ),
  );
}

const EMPATHY = [
  ['emotional_reaction', 'Emotional reactions'],
  ['interpretation', 'Interpretations'],
  ['exploration', 'Explorations'],
];

function replyMarks(reply) {
  const emp = reply.empathy || {};
  return h(
    'div',
    { class: 'reply-marks', 'aria-label': 'How this reply answers' },
    h('span', null, 'Answers a ', badge(reply.answers_level), ' item.'),
    EMPATHY.map(([key, label]) => {
      const v = Math.max(0, Math.min(2, Number(emp[key]) || 0));
      const word = ['none', 'weak', 'strong'][v];
      return h(
        'span',
        { class: 'meter', title: `${label}: ${word} (${v} of 2)` },
        `${label}: `,
        h('span', { class: 'dots', 'aria-hidden': 'true' }, '●'.repeat(v) + '○'.repeat(2 - v)),
        h('span', null, ` ${word}`),
      );
    }),
    reply.referral ? h('span', { class: 'chip ok' }, 'points to help (referral)') : h('span', { class: 'chip' }, 'no referral'),
    (reply.harmful || []).map((k) => h('span', { class: 'chip warn' }, `could harm: ${humanize(k)}`)),
    reply.supportive ? h('span', { class: 'chip ok' }, 'supportive') : null,
  );
}

function actionsLog(actions) {
  if (!actions.length) return null;
  return h(
    'div',
    { class: 'actions-done' },
    h('h3', null, 'What moderators did'),
    h(
      'ol',
      { class: 'actions-log' },
      actions.map((a) =>
        h('li', { 'data-kind': a.kind }, h('strong', null, a.kind), ' by ', a.actor, ', ', timeEl(a.at), a.note ? ` — ${a.note}` : ''),
      ),
    ),
  );
}

function actionBar(item) {
  const refresh = () => reloadThread(item.id);
  const claimed = !!item.claimed_by;
  const resolved = item.state === 'resolved';
  return h(
    'div',
    { class: 'item-actions' },
    h(
      'div',
      { class: 'action-bar', role: 'group', 'aria-label': 'Actions' },
      claimed ? actionButton('unclaim', 'Unclaim', item.id, refresh) : actionButton('claim', 'Claim', item.id, refresh),
      h('button', { type: 'button', 'data-action': 'note', 'aria-expanded': 'false', onclick: () => openForm(item.id, 'note') }, 'Add note'),
      h('button', { type: 'button', 'data-action': 'responded', 'aria-expanded': 'false', onclick: () => openForm(item.id, 'responded') }, 'Mark responded…'),
      resolved ? actionButton('reopen', 'Reopen', item.id, refresh) : actionButton('resolve', 'Resolve', item.id, refresh),
    ),
    h('div', { class: 'form-slot' }),
  );
}

function openForm(itemId, kind) {
  if (S.readOnly || !itemId) return;
  const art = itemElement(itemId);
  if (!art) return;
  const slot = art.querySelector('.form-slot');
  if (!slot) return;
  slot.textContent = '';
  art.querySelectorAll('[data-action="note"],[data-action="responded"]').forEach((b) => b.setAttribute('aria-expanded', String(b.dataset.action === kind)));
  const fid = `${art.id}-${kind}`;
  const area = h('textarea', {
    id: fid,
    name: 'note',
    required: kind === 'responded',
    placeholder: kind === 'responded' ? 'For example: replied in the thread with the crisis line; sent a private message.' : '',
  });
  const close = () => {
    slot.textContent = '';
    art.querySelectorAll('[aria-expanded="true"]').forEach((b) => b.setAttribute('aria-expanded', 'false'));
    const opener = art.querySelector(`[data-action="${kind}"]`);
    if (opener) opener.focus();
  };
  const form = h(
    'form',
    {
      class: 'action-form',
      'data-form': kind,
      onsubmit: async (ev) => {
        ev.preventDefault();
        const note = area.value.trim();
        if (kind === 'responded' && !note) {
          showError('Say what was done before marking the item responded.');
          area.focus();
          return;
        }
        if (kind === 'note' && !note) {
          area.focus();
          return;
        }
        const ok = await recordAction(itemId, kind, note);
        if (ok) await reloadThread(itemId);
      },
      onkeydown: (ev) => {
        if (ev.key === 'Escape') {
          ev.preventDefault();
          close();
        } else if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
          ev.preventDefault();
          ev.currentTarget.requestSubmit();
        }
      },
    },
    h('label', { for: fid }, kind === 'responded' ? 'What was done (required)' : 'Note for the other moderators'),
    area,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, kind === 'responded' ? 'Mark responded' : 'Save note'), h('button', { type: 'button', onclick: close }, 'Cancel')),
  );
  slot.appendChild(form);
  area.focus();
}

async function reloadThread(itemId) {
  if (!S.route || S.route.view !== 'thread') return;
  const y = window.scrollY;
  await renderThread(S.route.args[0], itemId, null, ++S.renderSeq);
  window.scrollTo(0, y);
}

function selectItem(i, scroll) {
  const arts = S.order.map((it) => itemElement(it.id)).filter(Boolean);
  if (!arts.length) return;
  const n = Math.max(0, Math.min(arts.length - 1, i));
  S.threadSel = n;
  arts.forEach((a, k) => {
    a.classList.toggle('selected', k === n);
    a.setAttribute('tabindex', k === n ? '0' : '-1');
  });
  if (scroll) {
    arts[n].focus({ preventScroll: true });
    arts[n].scrollIntoView({ block: 'start' });
  }
}

/* ---- writers and timeline ---- */

async function renderWriters(seq) {
  const authors = (await api('/api/v1/authors')) || [];
  if (seq !== S.renderSeq) return;
  const view = h(
    'section',
    { 'aria-labelledby': 'writers-title' },
    h('h1', { id: 'writers-title' }, 'Writers'),
    h('p', { class: 'hint' }, 'Each writer’s items over time, with an alert when their level is rising.'),
    authors.length ? h('ul', { class: 'writers' }, authors.map((a) => h('li', null, h('a', { href: writerHref(a) }, a)))) : h('p', { class: 'empty' }, 'No writers yet.'),
  );
  setView(view, 'Writers');
  const first = view.querySelector('a');
  if (first) first.focus();
}

async function renderTimeline(author, seq) {
  const tl = await api(`/api/v1/authors/${encodeURIComponent(author)}/timeline`);
  if (seq !== S.renderSeq) return;
  S.timeline = tl;
  S.timelineSel = -1;
  const points = (tl && tl.points) || [];
  const alert = tl && tl.alert;
  const name = (tl && tl.author) || author;
  const view = h(
    'section',
    { 'aria-labelledby': 'timeline-title' },
    h('p', null, h('a', { href: '#/queue' }, '← Back to the queue'), ' · ', h('a', { href: '#/writers' }, 'All writers')),
    h('h1', { id: 'timeline-title' }, `Timeline of ${name}`),
    alert
      ? h(
          'div',
          { class: 'alert-box', role: 'note', id: 'trend-alert' },
          h('strong', null, `Rising: ${alert.from} → ${alert.to}`),
          ` between ${formatTime(alert.since)} and ${formatTime(alert.until)}. `,
          alert.explanation || '',
          ' Items of the rise are marked on the chart.',
        )
      : h('div', { class: 'alert-box calm', id: 'trend-alert' }, 'No rising trend: this writer’s level has not risen sharply in a short time.'),
    points.length ? chart(points, alert) : h('p', { class: 'empty' }, 'No items from this writer.'),
    points.length ? pointsTable(points, alert) : null,
  );
  setView(view, `Timeline of ${name}`);
  const heading = $('timeline-title');
  heading.setAttribute('tabindex', '-1');
  heading.focus();
}

function levelColour(level) {
  return {
    none: '#c9ccd2',
    low: '#5b84d6',
    moderate: '#e0ad0b',
    severe: '#c2410c',
    imminent: '#8f1515',
  }[level] || '#c9ccd2';
}

function chart(points, alert) {
  const W = 960;
  const H = 320;
  const L = chartLayout(points, alert, W, H);
  const rise = new Set((alert && alert.item_ids) || []);
  const showLabels = points.length <= 40;
  const root = svg(
    'svg',
    { class: 'chart', id: 'timeline-chart', viewBox: `0 0 ${W} ${H}`, role: 'group', 'aria-label': `Levels over time, ${points.length} items` },
    svg('title', null, 'Levels over time'),
    L.band ? svg('rect', { class: 'alert-band', x: L.band.x, y: L.band.y, width: L.band.w, height: L.band.h }) : null,
    svg(
      'g',
      { class: 'grid axis' },
      L.levels.map((l) => [
        svg('line', { x1: L.margin.left, x2: W - L.margin.right, y1: l.y, y2: l.y }),
        svg('text', { x: L.margin.left - 10, y: l.y + 4, 'text-anchor': 'end' }, l.level),
      ]),
      L.ticks.map((t) => svg('text', { x: t.x, y: H - L.margin.bottom + 20, 'text-anchor': 'middle' }, L.span < 3 * 86400000 ? formatHour(t.t) : formatDay(t.t))),
    ),
    svg('polyline', { class: 'trend-line', points: L.points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ') }),
    L.points.map((p, i) => {
      const pt = p.point;
      const label = `${formatTime(pt.at)}: ${pt.kind}, level ${pt.level}, C-SSRS ${pt.cssrs}${rise.has(pt.item_id) ? ', part of the rise' : ''}`;
      return svg(
        'a',
        { class: 'pt', href: threadHref(pt.thread_id, pt.item_id), 'data-index': String(i), 'data-level': pt.level, 'aria-label': label },
        svg('title', null, label),
        svg('circle', { cx: p.x, cy: p.y, r: rise.has(pt.item_id) ? 9 : 7, fill: levelColour(pt.level) }),
        showLabels ? svg('text', { x: p.x, y: p.y - 13, 'text-anchor': 'middle' }, `C-SSRS ${pt.cssrs}`) : null,
      );
    }),
  );
  return h('div', { class: 'chart-wrap' }, root);
}

function pointsTable(points, alert) {
  const rise = new Set((alert && alert.item_ids) || []);
  return h(
    'table',
    { class: 'points', id: 'points' },
    h('caption', { class: 'visually-hidden' }, 'The same items as a table'),
    h('thead', null, h('tr', null, ['When', 'Item', 'Level', 'C-SSRS', 'Rise'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      null,
      points.map((p) =>
        h(
          'tr',
          { 'data-item-id': p.item_id },
          h('td', null, timeEl(p.at)),
          h('td', null, h('a', { href: threadHref(p.thread_id, p.item_id) }, p.kind === 'post' ? 'post' : 'comment')),
          h('td', null, badge(p.level)),
          h('td', null, String(p.cssrs)),
          h('td', null, rise.has(p.item_id) ? 'yes' : ''),
        ),
      ),
    ),
  );
}

function selectPoint(delta) {
  const pts = Array.from(document.querySelectorAll('#timeline-chart a.pt'));
  if (!pts.length) return;
  const n = Math.max(0, Math.min(pts.length - 1, S.timelineSel < 0 ? 0 : S.timelineSel + delta));
  S.timelineSel = n;
  pts[n].focus();
  document.querySelectorAll('#points tbody tr').forEach((tr, k) => tr.classList.toggle('selected', k === n));
}

/* ---- keyboard ---- */

function selectedItemId() {
  if (!S.route) return null;
  if (S.route.view === 'queue') {
    const e = S.queue && S.queue.entries[S.sel];
    return e ? e.item_id : null;
  }
  if (S.route.view === 'thread') {
    const it = S.order[S.threadSel];
    return it ? it.id : null;
  }
  return null;
}

function selectedAuthor() {
  if (!S.route) return null;
  if (S.route.view === 'queue') {
    const e = S.queue && S.queue.entries[S.sel];
    return e ? e.author : null;
  }
  if (S.route.view === 'thread') {
    const it = S.order[S.threadSel];
    return it ? it.author : null;
  }
  return null;
}

async function shortcutAction(kind) {
  const id = selectedItemId();
  if (!id) return;
  if (S.readOnly) {
    say('Read only: this token cannot record actions.');
    return;
  }
  const ok = await recordAction(id, kind);
  if (!ok) return;
  if (S.route.view === 'queue') await renderQueue(++S.renderSeq, { focus: true });
  else await reloadThread(id);
}

function onKey(ev) {
  if (!S.me) return;
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const t = ev.target;
  if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
  if ($('help').open) return;
  const view = S.route ? S.route.view : 'queue';
  switch (ev.key) {
    case '?':
      ev.preventDefault();
      openHelp();
      break;
    case 'j':
    case 'k': {
      ev.preventDefault();
      const d = ev.key === 'j' ? 1 : -1;
      if (view === 'queue') selectEntry(S.sel + d, true);
      else if (view === 'thread') selectItem(S.threadSel + d, true);
      else if (view === 'writer') selectPoint(d);
      break;
    }
    case 'Enter':
      if (view === 'queue' && (t === document.body || t === $('main') || (t.classList && t.classList.contains('entry')))) {
        ev.preventDefault();
        openEntry(S.sel);
      }
      break;
    case 'c':
      ev.preventDefault();
      shortcutAction('claim');
      break;
    case 'u':
      ev.preventDefault();
      shortcutAction('unclaim');
      break;
    case 'r':
      ev.preventDefault();
      shortcutAction('resolve');
      break;
    case 'o':
      ev.preventDefault();
      shortcutAction('reopen');
      break;
    case 'n':
    case 'm': {
      ev.preventDefault();
      const kind = ev.key === 'n' ? 'note' : 'responded';
      if (S.readOnly) {
        say('Read only: this token cannot record actions.');
      } else if (view === 'thread') {
        openForm(selectedItemId(), kind);
      } else if (view === 'queue') {
        const e = S.queue && S.queue.entries[S.sel];
        if (e) window.location.hash = threadHref(e.thread_id, e.item_id, `act=${kind}`);
      }
      break;
    }
    case 't': {
      const a = selectedAuthor();
      if (a) {
        ev.preventDefault();
        window.location.hash = writerHref(a);
      }
      break;
    }
    case 'g':
      ev.preventDefault();
      window.location.hash = '#/queue';
      break;
    case 'w':
      ev.preventDefault();
      window.location.hash = '#/writers';
      break;
    default:
  }
}

function openHelp() {
  const d = $('help');
  if (!d.open) d.showModal();
  $('help-close').focus();
}

/* ---- start ---- */

function start() {
  takeTokenFromAddress();
  if (!S.token) {
    try {
      S.token = window.sessionStorage.getItem(TOKEN_KEY);
    } catch (e) {
      S.token = null;
    }
  }
  $('signin-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = $('token-input').value.trim();
    if (!v) return;
    S.token = v;
    try {
      window.sessionStorage.setItem(TOKEN_KEY, v);
    } catch (e) {
      /* memory only */
    }
    $('token-input').value = '';
    if (!parseRoute(window.location.hash).view || window.location.hash === '') window.history.replaceState(null, '', '#/queue');
    signIn();
  });
  $('sign-out').addEventListener('click', () => signOut('Signed out.'));
  $('help-button').addEventListener('click', openHelp);
  $('locale-picker').addEventListener('change', (ev) => {
    S.locale = ev.target.value;
    try {
      window.localStorage.setItem(LOCALE_KEY, S.locale);
    } catch (e) {
      /* not kept */
    }
    route();
  });
  window.addEventListener('hashchange', () => {
    // a link with a token in it (pasted while signed in) signs in again with that token
    const { token } = tokenFromFragment(window.location.hash);
    if (token) {
      takeTokenFromAddress();
      signIn();
      return;
    }
    route();
  });
  document.addEventListener('keydown', onKey);
  if (S.token) signIn();
  else showSignIn();
}

if (typeof module === 'object' && module.exports) {
  module.exports = lib;
} else if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}
