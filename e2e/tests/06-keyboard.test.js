// Keyboard: j/k move in the queue, Enter opens, shortcuts act, ? shows the help, focus is visible.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');

describe('keyboard', { skip: h.missing() || false }, () => {
  let b;
  before(async () => {
    b = await h.launch();
    await h.signIn(b.page);
  });
  after(async () => {
    if (b) await b.close();
  });

  const selected = (page) => page.evaluate(() => {
    const li = document.querySelector('#queue > li.entry.selected');
    return li ? { index: Number(li.dataset.index), focused: document.activeElement === li, id: li.dataset.itemId } : null;
  });

  it('j and k move through the queue, Enter opens the selected thread', async () => {
    const { page } = b;
    const n = await page.locator('#queue > li.entry').count();
    assert.ok(n >= 3, 'the demo queue has at least three entries');
    assert.equal((await selected(page)).index, 0);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    const s = await selected(page);
    assert.equal(s.index, 1);
    assert.ok(s.focused, 'the selected entry has the focus');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'focus is visible');
    await page.keyboard.press('Enter');
    await page.waitForSelector('article.item');
    assert.equal(await page.locator(`article.item.target`).getAttribute('data-item-id'), s.id);
  });

  it('in a thread, j moves between items and c / u claim and unclaim the selected one', async () => {
    const { page } = b;
    const count = await page.locator('article.item').count();
    const first = await page.evaluate(() => document.activeElement.dataset.itemId);
    assert.ok(first, 'an item has the focus');
    if (count > 1) {
      await page.keyboard.press('j');
      const next = await page.evaluate(() => document.activeElement.dataset.itemId);
      assert.notEqual(next, first);
      await page.keyboard.press('k');
    }
    const id = await page.evaluate(() => document.activeElement.dataset.itemId);
    const held = () => page.evaluate((x) => {
      const a = Array.from(document.querySelectorAll('article.item')).find((e) => e.dataset.itemId === x);
      const c = a && a.querySelector('.chip.held');
      return c ? c.textContent : null;
    }, id);
    if (await held()) {
      await page.keyboard.press('u');
      await page.waitForFunction((x) => {
        const a = Array.from(document.querySelectorAll('article.item')).find((e) => e.dataset.itemId === x);
        return a && !a.querySelector('.chip.held');
      }, id);
    }
    await page.keyboard.press('c');
    await page.waitForFunction((x) => {
      const a = Array.from(document.querySelectorAll('article.item')).find((e) => e.dataset.itemId === x);
      return a && a.querySelector('.chip.held');
    }, id);
    assert.match(await held(), /^claimed by /);
    await page.keyboard.press('u');
    await page.waitForFunction((x) => {
      const a = Array.from(document.querySelectorAll('article.item')).find((e) => e.dataset.itemId === x);
      return a && !a.querySelector('.chip.held');
    }, id);
  });

  it('? opens the shortcuts, Escape closes them; g goes back to the queue', async () => {
    const { page } = b;
    await page.keyboard.press('?');
    await page.waitForSelector('#help[open]');
    assert.match(await page.textContent('#help'), /Next \/ previous item/);
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.getElementById('help').open);
    await page.keyboard.press('g');
    await page.waitForSelector('#queue > li.entry');
    assert.ok(page.url().endsWith('#/queue'));
  });

  it('every control can be reached with Tab and has a name', async () => {
    const { page } = b;
    const unnamed = await page.$$eval('button, select, input, textarea, a[href]', (els) =>
      els
        .filter((e) => e.offsetParent !== null)
        .filter((e) => {
          const label = e.getAttribute('aria-label') || e.textContent.trim() || (e.id && document.querySelector(`label[for="${e.id}"]`)) || e.closest('label');
          return !label;
        })
        .map((e) => e.outerHTML.slice(0, 80)),
    );
    assert.deepEqual(unnamed, []);
    await page.focus('.skip-link');
    const seen = new Set();
    for (let i = 0; i < 25; i += 1) {
      await page.keyboard.press('Tab');
      seen.add(await page.evaluate(() => document.activeElement.id || document.activeElement.textContent.trim().slice(0, 30)));
    }
    assert.ok(seen.has('min-level') && seen.has('refresh'), `filters reachable by Tab: ${[...seen].join(' | ')}`);
  });

  it('left no errors in the page', () => {
    assert.deepEqual(b.problems, []);
  });
});
