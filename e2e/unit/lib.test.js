// Unit tests of the dashboard's pure helpers (app.js loaded by Node: no browser needed).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const lib = require(path.resolve(__dirname, '..', '..', 'crates', 'threadcare-server', 'assets', 'app.js'));

/** Byte offsets of `phrase` in `text`, as the engine reports them. */
function bytesOf(text, phrase) {
  const i = text.indexOf(phrase);
  assert.ok(i >= 0, `'${phrase}' in text`);
  const start = Buffer.byteLength(text.slice(0, i), 'utf8');
  return { start, end: start + Buffer.byteLength(phrase, 'utf8') };
}

test('byteToIndex maps UTF-8 byte offsets to string indices across non-ASCII text', () => {
  const text = 'Café — I can’t 😔 sleep';
  // 'C','a','f' 1 byte each, 'é' 2, ' ' 1, '—' 3, ...
  assert.equal(lib.byteToIndex(text, 0), 0);
  assert.equal(lib.byteToIndex(text, 3), 3); // before é
  assert.equal(lib.byteToIndex(text, 5), 4); // after é
  const emoji = bytesOf(text, '😔');
  assert.equal(emoji.end - emoji.start, 4);
  assert.equal(lib.byteToIndex(text, emoji.start), text.indexOf('😔'));
  assert.equal(lib.byteToIndex(text, emoji.end), text.indexOf('😔') + 2); // a surrogate pair
  // inside a character: moved back to its start, never half a character
  assert.equal(lib.byteToIndex(text, emoji.start + 2), text.indexOf('😔'));
  // past the end: clamped
  assert.equal(lib.byteToIndex(text, 10_000), text.length);
});

test('segmentText cuts exactly the phrases the byte offsets name', () => {
  const text = 'Ich kann nicht mehr — I’m done. 😔 Years ago I cut myself; naïve café.';
  const phrases = ['I’m done', 'I cut myself', 'naïve café', '😔'];
  const spans = phrases.map((p) => bytesOf(text, p));
  const pieces = lib.segmentText(text, spans);
  assert.equal(pieces.map((p) => p.text).join(''), text, 'pieces put back together give the text');
  phrases.forEach((phrase, k) => {
    const covered = pieces.filter((p) => p.spans.includes(k)).map((p) => p.text).join('');
    assert.equal(covered, phrase);
  });
});

test('segmentText handles overlapping and nested spans', () => {
  const text = 'ünd I want to die tonight';
  const a = bytesOf(text, 'want to die tonight');
  const b = bytesOf(text, 'die');
  const pieces = lib.segmentText(text, [a, b]);
  assert.deepEqual(
    pieces.map((p) => [p.text, p.spans]),
    [
      ['ünd I ', []],
      ['want to ', [0]],
      ['die', [0, 1]],
      [' tonight', [0]],
    ],
  );
});

test('segmentText survives bad offsets: reversed, empty, out of range, mid-character', () => {
  const text = 'ééé';
  const pieces = lib.segmentText(text, [
    { start: 4, end: 2 },
    { start: 1, end: 1 },
    { start: 3, end: 99 },
    { start: -5, end: 1 },
  ]);
  assert.equal(pieces.map((p) => p.text).join(''), text);
  pieces.forEach((p) => assert.ok(!p.text.includes('\uFFFD'), 'no replacement characters'));
  // 3 is inside the second é: snapped to 2, so the span covers 'éé' from the second é on
  const tail = pieces.filter((p) => p.spans.includes(2)).map((p) => p.text).join('');
  assert.equal(tail, 'éé');
  assert.deepEqual(lib.segmentText('', [{ start: 0, end: 3 }]), []);
});

test('waiting times read as hours and minutes', () => {
  assert.equal(lib.formatWaiting(12000), 'waiting 3 h 20 min');
  assert.equal(lib.formatWaiting(30), 'waiting under a minute');
  assert.equal(lib.formatWaiting(60 * 45), 'waiting 45 min');
  assert.equal(lib.formatWaiting(3600 * 2), 'waiting 2 h');
  assert.equal(lib.formatWaiting(86400 * 2 + 3600 * 4 + 59), 'waiting 2 d 4 h');
  assert.equal(lib.formatWaiting(null), null);
});

test('buildTree nests by parent_id, keeps order and keeps orphans visible', () => {
  const items = [
    { id: 'p', parent_id: null },
    { id: 'a', parent_id: 'p' },
    { id: 'b', parent_id: 'p' },
    { id: 'a1', parent_id: 'a' },
    { id: 'x', parent_id: 'gone' },
  ];
  const roots = lib.buildTree(items);
  assert.deepEqual(roots.map((r) => r.item.id), ['p', 'x']);
  assert.equal(roots[1].orphan, true);
  assert.deepEqual(roots[0].children.map((c) => c.item.id), ['a', 'b']);
  assert.deepEqual(roots[0].children[0].children.map((c) => c.item.id), ['a1']);
  assert.deepEqual(lib.flattenTree(roots).map((i) => i.id), ['p', 'a', 'a1', 'b', 'x']);
});

test('signal styles: context first, then the kind of evidence', () => {
  const base = { construct: 'intent', family: 'suicidality', negated: false, temporality: 'current', experiencer: 'self', certainty: 'definite', quoted: false };
  assert.equal(lib.signalStyle(base), 'risk');
  assert.equal(lib.signalStyle({ ...base, negated: true }), 'negated');
  assert.equal(lib.signalStyle({ ...base, experiencer: 'other' }), 'other');
  assert.equal(lib.signalStyle({ ...base, temporality: 'historical' }), 'historical');
  assert.equal(lib.signalStyle({ ...base, certainty: 'hypothetical' }), 'hypothetical');
  assert.equal(lib.signalStyle({ ...base, quoted: true }), 'quoted');
  assert.equal(lib.signalStyle({ ...base, family: 'protective' }), 'protective');
  assert.equal(lib.signalStyle({ ...base, family: 'reply', construct: 'referral' }), 'support');
  assert.equal(lib.signalStyle({ ...base, family: 'reply', construct: 'harm_method' }), 'harm');
  assert.equal(lib.signalStyle({ ...base, family: 'relationship' }), 'theme');
  assert.equal(lib.dominantStyle([{ ...base, negated: true }, base]), 'risk');
  assert.deepEqual(lib.signalNotes({ ...base, negated: true, temporality: 'historical' }), ['negated', 'historical']);
});

test('token is taken out of the fragment, the rest kept', () => {
  assert.deepEqual(lib.tokenFromFragment('#token=tc_1_abc'), { token: 'tc_1_abc', rest: '' });
  assert.deepEqual(lib.tokenFromFragment('#/thread/x?token=t%2By&item=2'), { token: 't+y', rest: '/thread/x?item=2' });
  assert.deepEqual(lib.tokenFromFragment('#/queue'), { token: null, rest: '/queue' });
});

test('routes decode percent-encoded ids (ids can hold : and /)', () => {
  const href = lib.threadHref('reddit:t3/abc', 'id:1/2');
  const r = lib.parseRoute(href);
  assert.equal(r.view, 'thread');
  assert.deepEqual(r.args, ['reddit:t3/abc']);
  assert.equal(r.params.item, 'id:1/2');
  assert.equal(lib.parseRoute('').view, 'queue');
  assert.deepEqual(lib.parseRoute(lib.writerHref('Ana María')).args, ['Ana María']);
});

test('crisis resources: the locale, else the default, plus those for everywhere', () => {
  const config = {
    default_locale: 'en-US',
    crisis_resources: [
      { locale: 'en-US', name: 'US line' },
      { locale: 'en-GB', name: 'UK line' },
      { locale: '*', name: 'Emergency' },
    ],
  };
  assert.deepEqual(lib.resourcesFor(config, 'en-GB').map((r) => r.name), ['UK line', 'Emergency']);
  assert.deepEqual(lib.resourcesFor(config, 'fr-FR').map((r) => r.name), ['US line', 'Emergency']);
  assert.deepEqual(lib.localesOf(config), ['en-US', 'en-GB']);
});

test('chart layout: later is further right, higher level is higher up', () => {
  const pts = [
    { at: '2026-11-01T00:00:00Z', level: 'low' },
    { at: '2026-11-05T00:00:00Z', level: 'moderate' },
    { at: '2026-11-09T00:00:00Z', level: 'severe' },
  ];
  const L = lib.chartLayout(pts, null, 960, 320);
  assert.equal(L.points.length, 3);
  assert.ok(L.points[0].x < L.points[1].x && L.points[1].x < L.points[2].x);
  assert.ok(L.points[0].y > L.points[1].y && L.points[1].y > L.points[2].y);
  L.points.forEach((p) => {
    assert.ok(p.x >= L.margin.left && p.x <= 960 - L.margin.right);
    assert.ok(p.y >= L.margin.top && p.y <= 320 - L.margin.bottom);
  });
  const one = lib.chartLayout([{ at: '2026-11-01T00:00:00Z', level: 'imminent' }], null, 960, 320);
  assert.ok(Math.abs(one.points[0].x - (L.margin.left + L.plotW / 2)) < 1, 'a single point sits in the middle');
  assert.equal(one.points[0].y, L.margin.top);
});
