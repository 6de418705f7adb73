// Signing in: through the link's fragment (the token leaves the address bar), or through the form.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');

describe('sign in', { skip: h.missing() || false }, () => {
  let b;
  before(async () => {
    b = await h.launch();
  });
  after(async () => {
    if (b) await b.close();
  });

  it('takes the token from #token=, removes it from the address bar and keeps it for the tab', async () => {
    const { page } = b;
    await h.signIn(page);
    assert.ok(!page.url().includes('token='), `address bar still holds the token: ${page.url()}`);
    assert.ok(!page.url().includes(h.TOKEN));
    const stored = await page.evaluate(() => sessionStorage.getItem('threadcare.token'));
    assert.equal(stored, h.TOKEN);
    const who = await page.textContent('#whoami');
    assert.match(who, /Signed in as .+ \((moderator|admin)\)/);
    // a reload stays signed in (sessionStorage), without the token in the URL
    await page.reload();
    await page.waitForSelector('#queue > li.entry');
    assert.equal(await page.isVisible('#signin'), false);
  });

  it('asks for the token when there is none, and refuses a wrong one with a message', async () => {
    const { page } = b;
    await page.click('#sign-out');
    await page.waitForSelector('#signin:not([hidden])');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('threadcare.token')), null);
    assert.equal(await page.$$eval('#queue', (q) => q.length), 0, 'no data left on screen after signing out');

    await page.fill('#token-input', 'tc_not_a_real_token');
    await page.press('#token-input', 'Enter');
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await page.textContent('#error'), /signed out|token|unauthori/i);
    assert.equal(await page.isVisible('#signin'), true);

    await page.fill('#token-input', h.TOKEN);
    await page.click('#signin-form button[type=submit]');
    await page.waitForSelector('#queue > li.entry');
    assert.equal(await page.isVisible('#error'), false);
  });
});
