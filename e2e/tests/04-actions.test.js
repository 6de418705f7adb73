// Moderator actions from the thread view: claim, note, mark responded, resolve, reopen; each shows
// who did it and when, and claiming never hides the rest of the thread.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');

describe('actions', { skip: h.missing() || false }, () => {
  let b;
  let label;
  let target; // a queue entry nobody holds
  before(async () => {
    b = await h.launch();
    await h.signIn(b.page);
    label = (await h.apiFromPage(b.page, '/api/v1/me')).body.label;
    const q = await h.apiFromPage(b.page, '/api/v1/queue?min_level=low&limit=100&offset=0&include_resolved=false');
    // the most urgent entry that is open, and not the first (other tests look at the first)
    target = q.body.entries.find((e, i) => i > 0 && !e.claimed_by && e.state === 'open') || q.body.entries.find((e) => !e.claimed_by);
  });
  after(async () => {
    if (b) await b.close();
  });

  const article = () => b.page.locator(`article.item[data-item-id="${target.item_id.replace(/"/g, '\\"')}"]`);

  it('claims an item and shows who holds it, with the whole thread still shown', async () => {
    const { page } = b;
    assert.ok(target, 'an unclaimed entry in the queue');
    await h.openThread(page, target.thread_id, target.item_id);
    const before = await page.locator('article.item').count();
    await article().locator('button[data-action="claim"]').click();
    await page.waitForFunction((l) => Array.from(document.querySelectorAll('article.item .chip.held')).some((c) => c.textContent === `claimed by ${l}`), label);
    assert.equal(await article().locator('.chip.held').textContent(), `claimed by ${label}`);
    assert.equal(await page.locator('article.item').count(), before, 'claiming hides nothing');
    assert.equal(await article().locator('button[data-action="unclaim"]').count(), 1);
    const log = await article().locator('.actions-log li[data-kind="claim"]').last().textContent();
    assert.ok(log.includes(`claim by ${label}`), log);
    assert.equal(await article().locator('.actions-log li[data-kind="claim"]').last().locator('time').count(), 1, 'when, as a <time>');
    assert.match(await page.textContent('#status'), /Claimed by/);
  });

  it('the queue shows who holds it', async () => {
    const { page } = b;
    await page.goto(`${h.BASE}/#/queue`);
    await page.waitForSelector('#queue > li.entry');
    const entry = page.locator(`#queue > li.entry[data-item-id="${target.item_id.replace(/"/g, '\\"')}"]`);
    assert.equal(await entry.locator('.chip.held').textContent(), `claimed by ${label}`);
  });

  it('marks it responded with a note of what was done, and adds a note', async () => {
    const { page } = b;
    await h.openThread(page, target.thread_id, target.item_id);
    await article().locator('button[data-action="responded"]').click();
    const form = article().locator('form[data-form="responded"]');
    const count = (kind) => article().locator(`.actions-log li[data-kind="${kind}"]`).count();
    const responded = await count('responded');
    // an empty note is refused before it reaches the server
    await form.locator('button[type=submit]').click();
    assert.equal(await count('responded'), responded);
    const note = `Replied in the thread with the crisis line and sent a private message (e2e ${Date.now()}).`;
    await form.locator('textarea').fill(note);
    await form.locator('button[type=submit]').click();
    await page.waitForFunction(([id, n]) => {
      const a = Array.from(document.querySelectorAll('article.item')).find((x) => x.dataset.itemId === id);
      return a && a.querySelectorAll('.actions-log li[data-kind="responded"]').length > n;
    }, [target.item_id, responded]);
    const done = await article().locator('.actions-log li[data-kind="responded"]').last().textContent();
    assert.ok(done.includes(`responded by ${label}`) && done.includes(note), done);

    const notes = await count('note');
    await article().locator('button[data-action="note"]').click();
    await article().locator('form[data-form="note"] textarea').fill('Checking back tomorrow morning (e2e).');
    // Ctrl+Enter sends the form from the keyboard
    await article().locator('form[data-form="note"] textarea').press('Control+Enter');
    await page.waitForFunction(([id, n]) => {
      const a = Array.from(document.querySelectorAll('article.item')).find((x) => x.dataset.itemId === id);
      return a && a.querySelectorAll('.actions-log li[data-kind="note"]').length > n;
    }, [target.item_id, notes]);
    // the server agrees
    const item = await h.apiFromPage(page, `/api/v1/items/${encodeURIComponent(target.item_id)}`);
    if (item.status === 200) {
      const kinds = item.body.actions.map((a) => a.kind);
      assert.deepEqual(kinds.slice(-3), ['claim', 'responded', 'note']);
    }
    await h.shot(page, 'thread-actions');
  });

  it('resolves it (it leaves the queue) and reopens it', async () => {
    const { page } = b;
    await article().locator('button[data-action="resolve"]').click();
    await article().locator('button[data-action="reopen"]').waitFor();
    const q = await h.apiFromPage(page, '/api/v1/queue?min_level=none&limit=200&offset=0&include_resolved=false');
    assert.ok(!q.body.entries.some((e) => e.item_id === target.item_id), 'resolved items leave the queue');
    await article().locator('button[data-action="reopen"]').click();
    await article().locator('button[data-action="resolve"]').waitFor();
    const kinds = await article().locator('.actions-log li').evaluateAll((lis) => lis.map((li) => li.dataset.kind));
    assert.deepEqual(kinds.slice(-2), ['resolve', 'reopen']);
    // leave it unclaimed for the other tests
    if (await article().locator('button[data-action="unclaim"]').count()) {
      await article().locator('button[data-action="unclaim"]').click();
      await article().locator('button[data-action="claim"]').waitFor();
    }
  });

  it('left no errors in the page', () => {
    assert.deepEqual(b.problems, []);
  });
});
