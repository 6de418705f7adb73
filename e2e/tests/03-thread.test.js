// The thread: the post and its comment tree, evidence highlighted exactly where the engine's
// byte offsets say, explanations beside each item, replies marked, text never run as HTML.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');

/** What the page highlights for each item, next to what the API says it should. */
async function marksAgainstApi(page, threadId) {
  const api = await h.apiFromPage(page, `/api/v1/threads/${encodeURIComponent(threadId)}`);
  assert.equal(api.status, 200);
  const shown = await page.$$eval('article.item', (arts) =>
    arts.map((a) => ({
      id: a.dataset.itemId,
      text: a.querySelector('.item-text') ? a.querySelector('.item-text').textContent : '',
      marks: Array.from(a.querySelectorAll('.item-text mark.ev')).map((m) => ({ text: m.textContent, constructs: m.dataset.constructs.split(' ') })),
    })),
  );
  return { api: api.body, shown };
}

describe('thread', { skip: h.missing() || false }, () => {
  let b;
  before(async () => {
    b = await h.launch();
    await h.signIn(b.page);
  });
  after(async () => {
    if (b) await b.close();
  });

  it('opens from the queue with the post, the tree and highlighted evidence', async () => {
    const { page } = b;
    const first = page.locator('#queue > li.entry').first();
    const threadId = await page.evaluate(() => {
      const a = document.querySelector('#queue > li.entry a.entry-title');
      return decodeURIComponent(a.getAttribute('href').split('/')[2].split('?')[0]);
    });
    await first.locator('a.entry-title').click();
    await page.waitForSelector('article.item');
    assert.ok(page.url().includes('#/thread/'));

    const { api, shown } = await marksAgainstApi(page, threadId);
    // every item is there, post first, each reply nested under its parent
    assert.equal(shown.length, api.items.length);
    assert.equal(api.items[0].kind, 'post');
    assert.equal(shown[0].id, api.items[0].id);
    const nested = await page.$$eval('article.item', (arts) =>
      arts.map((a) => {
        const li = a.parentElement.parentElement.closest('li');
        return [a.dataset.itemId, li ? li.querySelector(':scope > article.item').dataset.itemId : null];
      }),
    );
    const parentOf = new Map(api.items.map((i) => [i.id, i.parent_id]));
    nested.forEach(([id, parent]) => {
      const expected = parentOf.get(id);
      if (expected && parentOf.has(expected)) assert.equal(parent, expected, `item ${id} nested under its parent`);
    });

    // the highlighted words are exactly the signals' words (byte offsets -> string indices)
    let marked = 0;
    api.items.forEach((item) => {
      const s = shown.find((x) => x.id === item.id);
      assert.equal(s.text, item.text, 'text shown as is');
      item.signals.filter((sig) => !sig.in_title).forEach((sig) => {
        const covering = s.marks.filter((m) => m.constructs.includes(sig.construct)).map((m) => m.text).join('');
        assert.ok(covering.includes(sig.text), `'${sig.construct}' highlights '${covering}', expected '${sig.text}'`);
        // the exact substring at the converted offsets is the signal's text
        const bytes = Buffer.from(item.text, 'utf8');
        assert.equal(bytes.subarray(sig.start, sig.end).toString('utf8'), sig.text);
        marked += 1;
      });
    });
    assert.ok(marked > 0, 'the thread of the most urgent item has evidence');
    assert.ok(await page.locator('article.item mark.ev-risk').count() > 0, 'risk evidence styled as such');
    assert.ok(await page.locator('ul.legend').isVisible(), 'a legend explains the styles');
    const why = await page.locator('article.item').first().locator('.item-side .explanation').textContent();
    assert.ok(why.includes(api.items[0].explanation), 'explanation beside the item');
    if (api.items[0].level === 'imminent') assert.equal(await page.locator('article.item').first().locator('aside.crisis').count(), 1);
    const replies = api.items.filter((i) => i.reply);
    if (replies.length) {
      assert.equal(await page.locator('.reply-marks').count(), replies.length);
      assert.match(await page.locator('.reply-marks').first().textContent(), /Emotional reactions: .*Interpretations: .*Explorations: /);
    }
    assert.deepEqual(await h.lowContrast(page, 'mark.ev, .chip, .badge, .meter, .item-text, .item-side, .actions-log li'), [], 'readable contrast');
    await h.shot(page, 'thread');
  });

  it('styles negated, past and other-person evidence apart from risk evidence', async () => {
    const { page } = b;
    const isContext = (s) => s.negated || s.experiencer === 'other' || s.temporality === 'historical' || s.certainty === 'hypothetical' || s.quoted;
    // a thread with a context-changed signal that no other signal overlaps
    const api = await h.apiFromPage(page, '/api/v1/queue?min_level=none&limit=200&offset=0&include_resolved=true');
    const threads = Array.from(new Set(api.body.entries.map((e) => e.thread_id)));
    let found = null;
    for (const tid of threads) {
      const t = await h.apiFromPage(page, `/api/v1/threads/${encodeURIComponent(tid)}`);
      for (const item of t.body.items) {
        const sigs = item.signals.filter((s) => !s.in_title);
        const alone = sigs.find((s) => isContext(s) && !sigs.some((o) => o !== s && o.start < s.end && s.start < o.end));
        if (alone) {
          found = { tid, item, sig: alone };
          break;
        }
      }
      if (found) break;
    }
    assert.ok(found, 'some thread has negated, past or other-person evidence on its own');
    await h.openThread(page, found.tid);
    const marks = await page.$$eval('article.item', (arts, id) => {
      const a = arts.find((x) => x.dataset.itemId === id);
      return Array.from(a.querySelectorAll('.item-text mark.ev')).map((m) => ({ text: m.textContent, cls: m.className, title: m.title }));
    }, found.item.id);
    const mark = marks.find((m) => m.text === found.sig.text);
    assert.ok(mark, `'${found.sig.text}' is highlighted`);
    assert.match(mark.cls, /ev-(negated|other|historical|hypothetical|quoted)/);
    assert.doesNotMatch(mark.cls, /ev-risk/);
    assert.match(mark.title, /negated|about another person|historical|hypothetical|quoted/);
    // the evidence list beside the item names the context in words too
    const listed = await page.$$eval('article.item', (arts, id) => {
      const a = arts.find((x) => x.dataset.itemId === id);
      return Array.from(a.querySelectorAll('.evidence li')).map((li) => li.textContent);
    }, found.item.id);
    assert.ok(listed.some((l) => l.includes(found.sig.text) && /negated|about another person|historical|hypothetical|quoted/.test(l)), listed.join(' | '));
  });

  it('shows markup in a post as text, never as HTML, with non-ASCII offsets right', async (t) => {
    const { page } = b;
    if (process.env.TC_MOCK) return t.skip('the mock does not take new items');
    const text = 'Ich kann nicht mehr — <img src=x onerror="window.__pwned=1"> I’m so tired 😔 and tonight I want to kill myself.';
    const res = await page.evaluate(async (body) => {
      const token = sessionStorage.getItem('threadcare.token');
      const r = await fetch('/api/v1/items', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, body: await r.text() };
    }, { id: 'e2e-markup-1', thread_id: 'e2e-markup', parent_id: null, kind: 'post', author: 'e2e_writer', created_at: new Date().toISOString(), title: 'Markup <b>test</b>', text });
    assert.equal(res.status, 200, res.body);
    await h.openThread(page, 'e2e-markup');
    assert.equal(await page.locator('article.item img').count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await page.locator('article.item .item-text').first().textContent(), text);
    assert.equal(await page.locator('#thread-title').textContent(), 'Markup <b>test</b>');
    const { api, shown } = await marksAgainstApi(page, 'e2e-markup');
    const sigs = api.items[0].signals.filter((s) => !s.in_title);
    assert.ok(sigs.length > 0, 'the engine found evidence in the synthetic post');
    sigs.forEach((sig) => {
      const covering = shown[0].marks.filter((m) => m.constructs.includes(sig.construct)).map((m) => m.text).join('');
      assert.ok(covering.includes(sig.text), `'${sig.construct}' highlights '${covering}', expected '${sig.text}'`);
    });
  });

  it('marks a commenter at risk whom nobody answered, not the reply beside them', async (t) => {
    const { page } = b;
    if (process.env.TC_MOCK) return t.skip('the mock has no such thread');
    await h.openThread(page, 'fp-327');
    const marked = (id) => page.locator(`article.item[data-item-id="${id}"] .item-head .chip.warn`, { hasText: 'no supportive reply yet' });
    assert.equal(await marked('fc-3271').count(), 1, 'the commenter who harmed themselves is marked');
    assert.equal(await marked('fc-3272').count(), 0, 'a reply to the post is not');
    assert.equal(await marked('fp-327').count(), 0, 'the post is not at risk');
    assert.match(await page.locator('.thread-head .summary').textContent(), /1 commenter at risk without a supportive reply/);
  });

  it('left no errors in the page', () => {
    assert.deepEqual(b.problems, []);
  });
});
