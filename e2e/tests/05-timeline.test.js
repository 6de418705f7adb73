// A writer's timeline: one point per item, placed by time and level, coloured by level, labelled
// with C-SSRS, each linking to its thread; the rising-level alert explained above the chart.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');

describe('writer timeline', { skip: h.missing() || false }, () => {
  let b;
  let author;
  before(async () => {
    b = await h.launch();
    await h.signIn(b.page);
    // a writer with a rising trend if the queue shows one, else the writer of the first entry
    const q = await h.apiFromPage(b.page, '/api/v1/queue?min_level=none&limit=200&offset=0&include_resolved=true');
    const withTrend = q.body.entries.find((e) => e.trend);
    author = withTrend ? withTrend.trend.author : q.body.entries.find((e) => e.author).author;
  });
  after(async () => {
    if (b) await b.close();
  });

  it('draws one point per item, ordered in time, higher levels higher up', async () => {
    const { page } = b;
    const api = await h.apiFromPage(page, `/api/v1/authors/${encodeURIComponent(author)}/timeline`);
    assert.equal(api.status, 200);
    await page.goto(`${h.BASE}/#/writer/${encodeURIComponent(author)}`);
    await page.waitForSelector('#timeline-chart');
    const pts = await page.$$eval('#timeline-chart a.pt', (as) =>
      as.map((a) => {
        const c = a.querySelector('circle');
        return { x: Number(c.getAttribute('cx')), y: Number(c.getAttribute('cy')), level: a.dataset.level, fill: c.getAttribute('fill'), label: a.getAttribute('aria-label'), href: a.getAttribute('href'), text: a.querySelector('text') ? a.querySelector('text').textContent : '' };
      }),
    );
    assert.equal(pts.length, api.body.points.length);
    assert.ok(pts.length > 0);
    const rank = (l) => ['none', 'low', 'moderate', 'severe', 'imminent'].indexOf(l);
    for (let i = 0; i < pts.length; i += 1) {
      const p = api.body.points[i];
      assert.equal(pts[i].level, p.level);
      assert.match(pts[i].label, new RegExp(`C-SSRS ${p.cssrs}`));
      assert.ok(pts[i].href.includes(encodeURIComponent(p.thread_id)));
      if (pts.length <= 40) assert.equal(pts[i].text, `C-SSRS ${p.cssrs}`);
      if (i > 0) {
        assert.ok(pts[i].x >= pts[i - 1].x, 'oldest first, left to right');
        if (rank(p.level) > rank(api.body.points[i - 1].level)) assert.ok(pts[i].y < pts[i - 1].y, 'a higher level sits higher');
      }
    }
    // same level, same colour; different levels, different colours
    const colour = new Map();
    pts.forEach((p) => {
      if (colour.has(p.level)) assert.equal(colour.get(p.level), p.fill);
      colour.set(p.level, p.fill);
    });
    assert.equal(new Set(colour.values()).size, colour.size);

    const alertText = await page.textContent('#trend-alert');
    if (api.body.alert) {
      assert.ok(alertText.includes(api.body.alert.explanation), alertText);
      assert.match(alertText, new RegExp(`Rising: ${api.body.alert.from} → ${api.body.alert.to}`));
    } else {
      assert.match(alertText, /No rising trend/);
    }
    assert.equal(await page.locator('#points tbody tr').count(), pts.length, 'the same points as a table');
    await h.shot(page, 'timeline');
  });

  it('j and k move between the points, which take the focus', async () => {
    const { page } = b;
    const n = await page.locator('#timeline-chart a.pt').count();
    const focused = () => page.evaluate(() => (document.activeElement.classList.contains('pt') ? Number(document.activeElement.dataset.index) : null));
    await page.keyboard.press('j');
    assert.equal(await focused(), 0);
    if (n > 1) {
      await page.keyboard.press('j');
      assert.equal(await focused(), 1);
      await page.keyboard.press('k');
      assert.equal(await focused(), 0);
    }
    assert.equal(await page.locator('#points tbody tr.selected').count(), 1, 'the table row follows');
  });

  it('a point opens its thread', async () => {
    const { page } = b;
    await page.locator('#timeline-chart a.pt').last().click();
    await page.waitForSelector('article.item');
    assert.ok(page.url().includes('#/thread/'));
    assert.equal(await page.locator('article.item.target').count(), 1, 'the item of the point is marked');
  });

  it('left no errors in the page', () => {
    assert.deepEqual(b.problems, []);
  });
});
