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
