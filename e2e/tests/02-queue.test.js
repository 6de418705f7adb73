// The queue: most urgent first, crisis resources beside every imminent item, waiting times,
// filters and the stats header.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');

describe('queue', { skip: h.missing() || false }, () => {
  let b;
  before(async () => {
    b = await h.launch();
    await h.signIn(b.page);
  });
  after(async () => {
    if (b) await b.close();
  });

  it('shows the imminent item first, with crisis resources beside it', async () => {
    const { page } = b;
    const first = page.locator('#queue > li.entry').first();
    assert.equal(await first.getAttribute('data-level'), 'imminent');
    assert.equal((await first.locator('.badge').first().textContent()).trim().toLowerCase(), 'imminent');
    const crisis = first.locator('aside.crisis');
    assert.equal(await crisis.count(), 1);
    const text = await crisis.textContent();
    assert.match(text, /Crisis resources/);
    assert.ok((await crisis.locator('li').count()) >= 1, 'at least one resource listed');
    // every imminent entry has them, and no other entry does
    const rows = await page.$$eval('#queue > li.entry', (lis) => lis.map((li) => [li.dataset.level, !!li.querySelector('aside.crisis')]));
    rows.forEach(([level, hasCrisis]) => assert.equal(hasCrisis, level === 'imminent', `${level} entry`));
    // levels never rise down the queue
    const ranks = rows.map(([l]) => ['none', 'low', 'moderate', 'severe', 'imminent'].indexOf(l));
    for (let i = 1; i < ranks.length; i += 1) assert.ok(ranks[i] <= ranks[i - 1], `entry ${i} is not more urgent than entry ${i - 1}`);
    await h.shot(page, 'queue');
  });

  it('keeps the order the API returns and shows waiting times and the stats', async () => {
    const { page } = b;
    const api = await h.apiFromPage(page, '/api/v1/queue?min_level=low&limit=100&offset=0&include_resolved=false');
    assert.equal(api.status, 200);
    const shown = await page.$$eval('#queue > li.entry', (lis) => lis.map((li) => li.dataset.itemId));
    assert.deepEqual(shown, api.body.entries.map((e) => e.item_id));
    const waitingEntries = api.body.entries.filter((e) => e.waiting_seconds != null);
    if (waitingEntries.length) {
      const i = api.body.entries.indexOf(waitingEntries[0]);
      const w = await page.locator('#queue > li.entry').nth(i).locator('.waiting').textContent();
      assert.match(w, /^waiting (under a minute|\d+ (min|h|d))/);
    }
    const stats = await page.textContent('ul.stats');
    assert.match(stats, new RegExp(`${api.body.stats.items} items`));
    assert.match(stats, new RegExp(`${api.body.stats.open_by_level[4]} open`));
  });

  it('filters by lowest level, and the locale picker changes the crisis resources', async () => {
    const { page } = b;
    await page.selectOption('#min-level', 'imminent');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#queue > li.entry')).every((li) => li.dataset.level === 'imminent'));
    const n = await page.locator('#queue > li.entry').count();
    const api = await h.apiFromPage(page, '/api/v1/queue?min_level=imminent&limit=100&offset=0&include_resolved=false');
    assert.equal(n, api.body.entries.length);

    const locales = await page.$$eval('#locale-picker option', (os) => os.map((o) => o.value));
    assert.ok(locales.length >= 1);
    if (locales.length > 1) {
      const before = await page.locator('aside.crisis').first().textContent();
      await page.selectOption('#locale-picker', locales[1]);
      await page.waitForFunction((l) => document.querySelector('aside.crisis h3').textContent.includes(l), locales[1]);
      const afterText = await page.locator('aside.crisis').first().textContent();
      assert.notEqual(afterText, before);
      await page.selectOption('#locale-picker', locales[0]);
    }
    await page.selectOption('#min-level', 'low');
    await page.waitForFunction(() => document.querySelectorAll('#queue > li.entry').length > 1);
  });

  it('has readable contrast: badges, chips, links and text at 4.5:1 or more', async () => {
    const low = await h.lowContrast(b.page, '.badge, .chip, #queue a, .explanation, .entry-meta span, .crisis li, .stats li, .filters label, .top a, .whoami');
    assert.deepEqual(low, []);
  });

  it('left no errors in the page', () => {
    assert.deepEqual(b.problems, []);
  });
});
