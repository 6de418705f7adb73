// Shared setup of the end-to-end tests: where the server is, and a headless Chromium from the
// system (never a browser downloaded by Playwright).
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const BASE = process.env.TC_URL || '';
const TOKEN = process.env.TC_TOKEN || '';
const RESEARCHER_TOKEN = process.env.TC_RESEARCHER_TOKEN || '';
// The researcher token may belong to a second server (when the demo makes no researcher token).
const RESEARCHER_URL = process.env.TC_RESEARCHER_URL || BASE;
const CHROMIUM = process.env.TC_CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.resolve(__dirname, '..', 'screenshots');

/** Why the tests cannot run here, or null. */
function missing() {
  if (!BASE || !TOKEN) return 'TC_URL and TC_TOKEN are not set: run scripts/e2e.sh, which starts `threadcare serve --demo`';
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM}: run scripts/e2e.sh, which installs it`;
  return null;
}

async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'threadcare-e2e-'));
  // A fresh profile each run; Playwright passes it to Chromium as --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 768 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.setDefaultTimeout(15000);
  const page = context.pages()[0] || (await context.newPage());
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the dashboard signed in through the URL fragment, as the printed demo link does. */
async function signIn(page, token, base) {
  await page.goto(`${base || BASE}/#token=${encodeURIComponent(token || TOKEN)}`);
  await page.waitForSelector('#queue > li.entry');
}

async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  await page.screenshot({ path: path.join(SHOTS, `${name}-full.png`), fullPage: true });
  return file;
}

/** Opens a thread by its id and waits until that thread (not the one on screen before) is shown. */
async function openThread(page, threadId, itemId, base) {
  let href = `${base || BASE}/#/thread/${encodeURIComponent(threadId)}`;
  if (itemId) href += `?item=${encodeURIComponent(itemId)}`;
  await page.goto(href);
  await page.waitForFunction((id) => {
    const v = document.querySelector('section.thread-view');
    return v && v.dataset.threadId === id && v.querySelector('article.item');
  }, threadId);
}

/** Calls the API from inside the page with the page's token (for checks against raw data). */
async function apiFromPage(page, apiPath) {
  return page.evaluate(async (p) => {
    const token = sessionStorage.getItem('threadcare.token');
    const res = await fetch(p, { headers: { Authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.json() };
  }, apiPath);
}

/**
 * Elements matching `selector` whose text contrast (WCAG, against the nearest opaque background)
 * is under `min`: [{text, ratio}].
 */
async function lowContrast(page, selector, min) {
  return page.$$eval(
    selector,
    (els, limit) => {
      const rgb = (c) => {
        const m = /rgba?\(([^)]+)\)/.exec(c);
        if (!m) return null;
        const p = m[1].split(',').map((x) => parseFloat(x));
        return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
      };
      const lum = ({ r, g, b }) => {
        const f = (v) => {
          const x = v / 255;
          return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const bgOf = (el) => {
        for (let e = el; e; e = e.parentElement) {
          const c = rgb(getComputedStyle(e).backgroundColor);
          if (c && c.a > 0.5) return c;
        }
        return { r: 255, g: 255, b: 255, a: 1 };
      };
      return els
        .filter((el) => el.offsetParent !== null && el.textContent.trim())
        .map((el) => {
          const fg = rgb(getComputedStyle(el).color);
          const bg = bgOf(el);
          const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
          return { text: el.textContent.trim().slice(0, 40), ratio: Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100 };
        })
        .filter((x) => x.ratio < limit);
    },
    min || 4.5,
  );
}

module.exports = {
  lowContrast,
  openThread, BASE, TOKEN, RESEARCHER_TOKEN, RESEARCHER_URL, missing, launch, signIn, shot, apiFromPage };
