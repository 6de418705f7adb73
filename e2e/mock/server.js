#!/usr/bin/env node
// A tiny stand-in for `threadcare serve`, for working on the dashboard without the Rust server.
// It serves the dashboard's files from crates/threadcare-server/assets and answers the API
// routes the dashboard uses with canned data in the shapes of the contract (DESIGN §2/§4 and the
// store's types). Every text here was written for this mock; evidence offsets are computed from
// the texts (bytes into UTF-8), so the mock cannot drift from its own words.
//
//   node e2e/mock/server.js [--port N]
// prints `http://127.0.0.1:PORT/#token=...` like `threadcare serve --demo`, and a researcher token.
'use strict';

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

const ASSETS = path.resolve(__dirname, '..', '..', 'crates', 'threadcare-server', 'assets');
const TOKENS = {
  'tc_mock_moderator': { label: 'robin', role: 'moderator' },
  'tc_mock_researcher': { label: 'study-team', role: 'researcher' },
};

const now = Date.now();
const hoursAgo = (h) => new Date(now - h * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const daysAgo = (d) => hoursAgo(d * 24);

/** A signal on the first occurrence of `phrase` in `text`, with byte offsets. */
function sig(text, phrase, construct, family, extra) {
  const i = text.indexOf(phrase);
  if (i < 0) throw new Error(`mock: '${phrase}' not in text`);
  const start = Buffer.byteLength(text.slice(0, i), 'utf8');
  const end = start + Buffer.byteLength(phrase, 'utf8');
  return Object.assign(
    {
      construct,
      family,
      start,
      end,
      text: phrase,
      negated: false,
      temporality: 'current',
      experiencer: 'self',
      certainty: 'definite',
      quoted: false,
      rule: `${construct}:mock`,
      cues: [],
    },
    extra || {},
  );
}

function item(o) {
  const base = {
    id: o.id,
    thread_id: o.thread_id,
    parent_id: o.parent_id || null,
    kind: o.parent_id ? 'comment' : 'post',
    author: o.author,
    created_at: o.created_at,
    title: o.title || null,
    text: o.text,
    source: { format: 'jsonl', file: 'mock.jsonl', position: { line: 1 } },
    level: o.level || 'none',
    cssrs: o.cssrs || 0,
    confidence: o.confidence == null ? 0.8 : o.confidence,
    concern_for_other: !!o.concern_for_other,
    signals: (o.signals || []).map((s) => (typeof s === 'function' ? s(o.text) : s)),
    factors: o.factors || { risk: [], protective: [] },
    themes: o.themes || [],
    reply: o.reply || null,
    explanation: o.explanation || 'Nothing of concern.',
    version: 1,
    engine_version: 'mock',
    stored_at: o.created_at,
    state: 'open',
    claimed_by: null,
    actions: [],
  };
  return base;
}

// ---- the canned threads (all words invented for the mock) ----
const T1 = 'mock-thread-1';
const p1text =
  'Ich kann nicht mehr — my therapist cancelled again and I’m done. I’m not okay. I have saved up my pills and tonight I’m going to take them all. Years ago I cut myself, but this is different. 😔 Nobody would notice.';
const items = [
  item({
    id: 'mock:p1',
    thread_id: T1,
    author: 'nightowl_mock',
    created_at: hoursAgo(3.4),
    title: 'Can’t do this anymore',
    text: p1text,
    level: 'imminent',
    cssrs: 6,
    confidence: 0.93,
    signals: [
      (t) => sig(t, 'I’m done', 'hopelessness', 'risk_factor'),
      (t) => sig(t, 'I’m not okay', 'distress', 'risk_factor', { negated: false }),
      (t) => sig(t, 'saved up my pills', 'preparation', 'suicidality'),
      (t) => sig(t, 'tonight I’m going to take them all', 'intent', 'suicidality'),
      (t) => sig(t, 'I cut myself', 'self_injury', 'self_harm', { temporality: 'historical', cues: [{ category: 'historical', rule: 'historical:years ago', text: 'Years ago', start: 0, end: 0 }] }),
      (t) => sig(t, 'Nobody would notice', 'burdensomeness', 'risk_factor'),
      (t) => sig(t, 'my therapist cancelled again', 'rupture_withdrawal', 'relationship'),
    ],
    factors: { risk: ['hopelessness', 'burdensomeness'], protective: [] },
    themes: ['rupture_withdrawal'],
    explanation: 'Imminent: preparation and intent tonight (‘saved up my pills’, ‘tonight I’m going to take them all’).',
  }),
  item({
    id: 'mock:c1',
    thread_id: T1,
    parent_id: 'mock:p1',
    author: 'kind_reader',
    created_at: hoursAgo(3.0),
    text: 'I hear how much this hurts, and I’m really glad you wrote here. Please call 988 right now, or your local emergency number. Are you somewhere safe?',
    level: 'none',
    signals: [
      (t) => sig(t, 'I hear how much this hurts', 'emotional_reaction', 'reply'),
      (t) => sig(t, 'call 988', 'referral', 'reply'),
      (t) => sig(t, 'Are you somewhere safe?', 'exploration', 'reply'),
    ],
    reply: { answers_level: 'imminent', empathy: { emotional_reaction: 2, interpretation: 1, exploration: 2 }, referral: true, harmful: [], supportive: true },
    explanation: 'A supportive reply with a referral.',
  }),
  item({
    id: 'mock:c2',
    thread_id: T1,
    parent_id: 'mock:c1',
    author: 'nightowl_mock',
    created_at: hoursAgo(2.5),
    text: 'I don’t want to die, I just want it to stop. Maybe I’ll text them.',
    level: 'moderate',
    cssrs: 1,
    signals: [(t) => sig(t, 'want to die', 'passive_ideation', 'suicidality', { negated: true })],
    explanation: 'Moderate: wish for the pain to stop; the wish to die is negated.',
  }),
];

const T2 = 'mock-thread-2';
items.push(
  item({
    id: 'mock:p2',
    thread_id: T2,
    author: 'quietfern',
    created_at: daysAgo(1.2),
    title: 'Eight months and then last night',
    text: 'Last night I hurt myself again after eight months. The urge is still loud today and I don’t know who to tell.',
    level: 'severe',
    cssrs: 0,
    confidence: 0.81,
    signals: [
      (t) => sig(t, 'I hurt myself again', 'self_injury', 'self_harm', { temporality: 'recent' }),
      (t) => sig(t, 'The urge is still loud', 'self_injury_urge', 'self_harm'),
    ],
    explanation: 'Severe: self-injury last night and strong urges now.',
  }),
);

const T3 = 'mock-thread-3';
items.push(
  item({
    id: 'mock:p3',
    thread_id: T3,
    author: 'quietfern',
    created_at: daysAgo(9),
    title: 'Tired of everything',
    text: 'Everything feels heavy lately. I feel like a burden to my sister.',
    level: 'low',
    signals: [(t) => sig(t, 'I feel like a burden', 'burdensomeness', 'risk_factor')],
    explanation: 'Low: distress and burdensomeness.',
  }),
  item({
    id: 'mock:p4',
    thread_id: T3,
    parent_id: 'mock:p3',
    author: 'quietfern',
    created_at: daysAgo(5),
    text: 'Some days I wish I could just not wake up.',
    level: 'moderate',
    cssrs: 1,
    signals: [(t) => sig(t, 'wish I could just not wake up', 'passive_ideation', 'suicidality')],
    explanation: 'Moderate: a wish not to wake up.',
  }),
  item({
    id: 'mock:c5',
    thread_id: T3,
    parent_id: 'mock:p3',
    author: 'tipster',
    created_at: daysAgo(4),
    text: 'Just stop complaining, everyone feels that way.',
    level: 'none',
    signals: [(t) => sig(t, 'Just stop complaining', 'harm_invalidation', 'reply')],
    reply: { answers_level: 'low', empathy: { emotional_reaction: 0, interpretation: 0, exploration: 0 }, referral: false, harmful: ['invalidation'], supportive: false },
    explanation: 'This reply could harm: it dismisses what the writer said.',
  }),
  item({
    id: 'mock:c6',
    thread_id: T3,
    parent_id: 'mock:p3',
    author: 'sunny_mock',
    created_at: daysAgo(3),
    text: 'My brother wants to die too sometimes, so I get it. You are not a burden.',
    level: 'low',
    concern_for_other: true,
    signals: [
      (t) => sig(t, 'wants to die', 'passive_ideation', 'suicidality', { experiencer: 'other' }),
      (t) => sig(t, 'You are not a burden', 'emotional_reaction', 'reply'),
    ],
    reply: { answers_level: 'low', empathy: { emotional_reaction: 1, interpretation: 1, exploration: 0 }, referral: false, harmful: [], supportive: true },
    explanation: 'Concern for someone else.',
  }),
);

const threads = new Map();
for (const it of items) {
  if (!threads.has(it.thread_id)) threads.set(it.thread_id, []);
  threads.get(it.thread_id).push(it);
}
let actionId = 0;

const RANK = ['none', 'low', 'moderate', 'severe', 'imminent'];
const rank = (l) => RANK.indexOf(l);

function summaryOf(tid) {
  const its = threads.get(tid);
  const post = its.find((i) => i.kind === 'post') || its[0];
  const replies = its.filter((i) => i.kind === 'comment' && i.author !== post.author);
  const supportive = replies.filter((r) => r.reply && r.reply.supportive).length;
  return {
    kind: 'thread',
    thread_id: tid,
    title: post.title,
    level: post.level,
    highest_level: RANK[Math.max(...its.map((i) => rank(i.level)))],
    post_id: post.id,
    unanswered_at_risk: rank(post.level) >= 3 && supportive === 0,
    replies: {
      count: replies.length,
      supportive,
      with_referral: replies.filter((r) => r.reply && r.reply.referral).length,
      harmful: replies.filter((r) => r.reply && r.reply.harmful.length).length,
    },
    explanation: `${replies.length} replies, ${supportive} supportive.`,
  };
}

function timelineOf(author) {
  const pts = items
    .filter((i) => i.author === author)
    .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at))
    .map((i) => ({ item_id: i.id, thread_id: i.thread_id, kind: i.kind, at: i.created_at, level: i.level, cssrs: i.cssrs }));
  if (!pts.length) return null;
  let alert = null;
  const first = pts[0];
  const last = pts[pts.length - 1];
  if (rank(last.level) - rank(first.level) >= 2 && Date.parse(last.at) - Date.parse(first.at) <= 14 * 86400000) {
    alert = {
      author,
      from: first.level,
      to: last.level,
      since: first.at,
      until: last.at,
      item_ids: pts.map((p) => p.item_id),
      explanation: `Rose from ${first.level} to ${last.level} in ${Math.round((Date.parse(last.at) - Date.parse(first.at)) / 86400000)} days over ${pts.length} items.`,
    };
  }
  return { author, points: pts, alert };
}

function queueOf(minLevel, includeResolved) {
  const t = Date.now();
  return items
    .filter((i) => rank(i.level) >= rank(minLevel) && (includeResolved || i.state !== 'resolved'))
    .map((i) => {
      const sum = summaryOf(i.thread_id);
      const answered = items.some((c) => c.parent_id === i.id && c.author !== i.author && c.reply && c.reply.supportive) || i.actions.some((a) => a.kind === 'responded');
      const tl = timelineOf(i.author);
      return {
        item_id: i.id,
        thread_id: i.thread_id,
        thread_title: sum.title,
        kind: i.kind,
        author: i.author,
        created_at: i.created_at,
        level: i.level,
        cssrs: i.cssrs,
        confidence: i.confidence,
        concern_for_other: i.concern_for_other,
        explanation: i.explanation,
        waiting_since: answered ? null : i.created_at,
        waiting_seconds: answered ? null : Math.floor((t - Date.parse(i.created_at)) / 1000),
        unanswered_at_risk: sum.unanswered_at_risk,
        state: i.state,
        claimed_by: i.claimed_by,
        trend: tl && tl.alert && tl.alert.item_ids.includes(i.id) ? tl.alert : null,
      };
    })
    .sort((a, b) => rank(b.level) - rank(a.level) || (b.waiting_seconds || -1) - (a.waiting_seconds || -1));
}

function pseudonym(name) {
  let h = 2166136261;
  for (const ch of name) h = Math.imul(h ^ ch.codePointAt(0), 16777619) >>> 0;
  return `writer-${h.toString(16).padStart(8, '0')}`;
}

/** A crude stand-in for the server's de-identification: pseudonymised writers, same texts. */
function deid(value) {
  const json = JSON.stringify(value, (k, v) => ((k === 'author' || k === 'claimed_by' || k === 'actor') && typeof v === 'string' ? pseudonym(v) : v));
  return JSON.parse(json);
}

const byPseudonym = () => new Map(items.map((i) => [pseudonym(i.author), i.author]));

function send(res, status, body, type) {
  const data = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': type || 'application/json', 'Cache-Control': 'no-store' });
  res.end(data);
}

function fail(res, status, code, message) {
  send(res, status, { error: { code, message } });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const p = url.pathname;
  if (req.method === 'GET' && (p === '/' || p.startsWith('/assets/'))) {
    const name = p === '/' ? 'index.html' : p.slice('/assets/'.length);
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) return fail(res, 404, 'not_found', 'No such file.');
    const file = path.join(ASSETS, name);
    if (!fs.existsSync(file)) return fail(res, 404, 'not_found', 'No such file.');
    const type = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' }[path.extname(name)] || 'application/octet-stream';
    return send(res, 200, fs.readFileSync(file), type);
  }
  if (p === '/healthz') return send(res, 200, { status: 'ok' });
  const auth = req.headers.authorization || '';
  const who = TOKENS[auth.replace(/^Bearer /, '')];
  if (!who) return fail(res, 401, 'unauthorized', 'A valid bearer token is required.');
  const out = (status, body) => send(res, status, who.role === 'researcher' ? deid(body) : body);
  let m;
  if (req.method === 'GET' && p === '/api/v1/me') return out(200, { label: who.label, role: who.role });
  if (req.method === 'GET' && p === '/api/v1/config') {
    return send(res, 200, {
      default_locale: 'en-US',
      crisis_resources: [
        { locale: 'en-US', name: '988 Suicide & Crisis Lifeline (mock)', contact: 'call or text 988', note: 'Mock entry for development.' },
        { locale: 'en-GB', name: 'Samaritans (mock)', contact: '116 123', note: 'Mock entry for development.' },
        { locale: '*', name: 'Emergency services', contact: 'your local emergency number', note: null },
      ],
    });
  }
  if (req.method === 'GET' && p === '/api/v1/queue') {
    const min = url.searchParams.get('min_level') || 'low';
    if (rank(min) < 0) return fail(res, 400, 'invalid_request', `Unknown level '${min}'.`);
    const entries = queueOf(min, url.searchParams.get('include_resolved') === 'true');
    const open = [0, 0, 0, 0, 0];
    items.filter((i) => i.state !== 'resolved').forEach((i) => (open[rank(i.level)] += 1));
    return out(200, { entries, stats: { threads: threads.size, items: items.length, open_by_level: open, actions: actionId } });
  }
  if (req.method === 'GET' && (m = /^\/api\/v1\/threads\/([^/]+)$/.exec(p))) {
    const tid = decodeURIComponent(m[1]);
    if (!threads.has(tid)) return fail(res, 404, 'not_found', `No thread '${tid}'.`);
    return out(200, { summary: summaryOf(tid), items: threads.get(tid) });
  }
  if (req.method === 'GET' && (m = /^\/api\/v1\/items\/([^/]+)$/.exec(p))) {
    const id = decodeURIComponent(m[1]);
    const it = items.find((i) => i.id === id);
    if (!it) return fail(res, 404, 'not_found', `No item '${id}'.`);
    return out(200, it);
  }
  if (req.method === 'GET' && p === '/api/v1/authors') {
    const names = Array.from(new Set(items.map((i) => i.author))).sort();
    return out(200, names);
  }
  if (req.method === 'GET' && (m = /^\/api\/v1\/authors\/([^/]+)\/timeline$/.exec(p))) {
    let author = decodeURIComponent(m[1]);
    if (who.role === 'researcher') author = byPseudonym().get(author) || '';
    const tl = timelineOf(author);
    if (!tl) return fail(res, 404, 'not_found', 'No such writer.');
    return out(200, tl);
  }
  if (req.method === 'POST' && (m = /^\/api\/v1\/items\/([^/]+)\/actions$/.exec(p))) {
    if (who.role === 'researcher') return fail(res, 403, 'forbidden', 'Researchers cannot record actions.');
    const id = decodeURIComponent(m[1]);
    const it = items.find((i) => i.id === id);
    if (!it) return fail(res, 404, 'not_found', `No item '${id}'.`);
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let a;
      try {
        a = JSON.parse(body);
      } catch (e) {
        return fail(res, 400, 'invalid_json', 'The body is not JSON.');
      }
      const kinds = ['claim', 'unclaim', 'note', 'responded', 'resolve', 'reopen'];
      if (!kinds.includes(a.kind)) return fail(res, 422, 'invalid_request', `Unknown action '${a.kind}'.`);
      if (a.kind === 'claim' && it.claimed_by && it.claimed_by !== who.label) return fail(res, 409, 'conflict', `Already claimed by ${it.claimed_by}.`);
      if (a.kind === 'responded' && !a.note) return fail(res, 422, 'invalid_request', 'Say what was done.');
      const action = { id: ++actionId, item_id: id, kind: a.kind, actor: who.label, note: a.note || null, at: new Date().toISOString() };
      it.actions.push(action);
      if (a.kind === 'claim') {
        it.claimed_by = who.label;
        it.state = 'claimed';
      } else if (a.kind === 'unclaim') {
        it.claimed_by = null;
        it.state = 'open';
      } else if (a.kind === 'responded') it.state = 'responded';
      else if (a.kind === 'resolve') it.state = 'resolved';
      else if (a.kind === 'reopen') it.state = it.claimed_by ? 'claimed' : 'open';
      return send(res, 201, action);
    });
    return undefined;
  }
  return fail(res, 404, 'not_found', `No route ${req.method} ${p}.`);
});

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;
server.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address();
  console.log(`Dashboard: http://127.0.0.1:${actual}/#token=tc_mock_moderator`);
  console.log('Token: tc_mock_moderator');
  console.log('Researcher token: tc_mock_researcher');
});
