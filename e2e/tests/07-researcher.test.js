// A researcher token: de-identified data from the API, and no action buttons in the dashboard.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');

const skip = h.missing() || (!h.RESEARCHER_TOKEN && 'no researcher token (TC_RESEARCHER_TOKEN): scripts/e2e.sh makes one when the demo prints one or `threadcare ingest` and `token create` work') || false;

describe('researcher', { skip }, () => {
  let b;
  before(async () => {
    b = await h.launch();
    await h.signIn(b.page, h.RESEARCHER_TOKEN, h.RESEARCHER_URL);
  });
  after(async () => {
    if (b) await b.close();
  });

  it('sees the queue read-only, with pseudonymised writers', async () => {
    const { page } = b;
    assert.match(await page.textContent('#whoami'), /\(researcher\)/);
    assert.equal(await page.isVisible('#role-banner'), true);
    assert.equal(await page.locator('[data-action]').count(), 0, 'no action buttons');
    const authors = await page.$$eval('#queue .entry-meta a', (as) => as.map((a) => a.textContent));
    assert.ok(authors.length > 0);
    authors.forEach((a) => assert.match(a, /^writer-[0-9a-f]{8}$/));
  });

  it('sees threads and timelines without action buttons, and shortcuts do nothing', async () => {
    const { page } = b;
    await page.locator('#queue > li.entry a.entry-title').first().click();
    await page.waitForSelector('article.item');
    assert.equal(await page.locator('[data-action], .action-bar, form.action-form').count(), 0);
    const before = await page.locator('.actions-log li').count();
    await page.keyboard.press('c');
    await page.waitForFunction(() => /Read only/.test(document.getElementById('status').textContent));
    assert.equal(await page.locator('.actions-log li').count(), before);
    await page.keyboard.press('t');
    await page.waitForSelector('#timeline-chart a.pt');
    assert.match(await page.textContent('#timeline-title'), /writer-[0-9a-f]{8}/);
    await h.shot(page, 'researcher-timeline');
  });

  it('shows no writer’s name anywhere in the queue or a thread', async () => {
    const { page } = b;
    // the names a moderator sees, from the demo server (same examples)
    const res = await fetch(`${h.BASE}/api/v1/authors`, { headers: { Authorization: `Bearer ${h.TOKEN}` } });
    assert.equal(res.status, 200);
    const names = (await res.json()).filter((n) => n && n.length >= 3 && !/^writer-[0-9a-f]{8}$/.test(n));
    assert.ok(names.length > 0);
    const escape = (x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(`(^|[^\\p{L}\\p{N}_])(${names.map(escape).join('|')})(?![\\p{L}\\p{N}_])`, 'iu');
    await page.goto(`${h.RESEARCHER_URL}/#/queue`);
    await page.waitForSelector('#queue > li.entry');
    const queueText = await page.textContent('main');
    assert.doesNotMatch(queueText, pattern);
    const q = await h.apiFromPage(page, '/api/v1/queue?min_level=low&limit=100&offset=0&include_resolved=false');
    const threads = Array.from(new Set(q.body.entries.map((e) => e.thread_id)));
    for (const tid of threads.slice(0, 6)) {
      await h.openThread(page, tid, null, h.RESEARCHER_URL);
      const text = await page.textContent('main');
      const m = pattern.exec(text);
      assert.equal(m, null, `a writer's name in thread ${tid}: '${m && m[2]}'`);
    }
    await h.shot(page, 'researcher-thread');
  });

  it('the API refuses its actions too', async () => {
    const { page } = b;
    const q = await h.apiFromPage(page, '/api/v1/queue?min_level=low&limit=1&offset=0&include_resolved=false');
    const id = q.body.entries[0].item_id;
    const status = await page.evaluate(async (itemId) => {
      const token = sessionStorage.getItem('threadcare.token');
      const r = await fetch(`/api/v1/items/${encodeURIComponent(itemId)}/actions`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{"kind":"claim"}' });
      return r.status;
    }, id);
    assert.equal(status, 403);
  });

  it('left no errors in the page', () => {
    // the refused POST above is logged by Chromium as a failed resource load; nothing else may be
    assert.deepEqual(b.problems.filter((p) => !/status of 403/.test(p)), []);
  });
});
