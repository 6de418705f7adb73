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

/** Calls the API from inside the page with the page's token (for checks against raw data). */
async function apiFromPage(page, apiPath) {
  return page.evaluate(async (p) => {
    const token = sessionStorage.getItem('threadcare.token');
    const res = await fetch(p, { headers: { Authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.json() };
  }, apiPath);
}

module.exports = { BASE, TOKEN, RESEARCHER_TOKEN, RESEARCHER_URL, missing, launch, signIn, shot, apiFromPage };
