#!/usr/bin/env node
// Opens an executed notebook in a running JupyterLab with headless Chromium and
// asserts that the rendered page shows at least one image/png output (an <img>
// inside a JupyterLab output area, loaded with natural width > 0). Always writes
// a screenshot (also on failure).
//
// Usage: node scripts/browser_check.mjs JUPYTER_BASE_URL NOTEBOOK_PATH SCREENSHOT_PNG
//   JUPYTER_BASE_URL  e.g. http://127.0.0.1:8888 (no token)
//   NOTEBOOK_PATH     relative to the Jupyter root, e.g. notebooks/hello.ipynb
//   SCREENSHOT_PNG    where to write the screenshot
// Environment: CHROMIUM (default /usr/bin/chromium), BROWSER_CHECK_TIMEOUT_MS (default 90000).
//
// playwright-core is resolved from tests/browser/node_modules (npm ci there).
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const requireFromTests = createRequire(resolve(repoRoot, 'tests/browser/package.json'));

function fail(msg) {
  console.error(`browser_check: FAIL: ${msg}`);
  process.exitCode = 1;
}

const [baseUrlArg, notebook, screenshot] = process.argv.slice(2);
if (!baseUrlArg || !notebook || !screenshot) {
  console.error('usage: browser_check.mjs JUPYTER_BASE_URL NOTEBOOK_PATH SCREENSHOT_PNG');
  process.exit(2);
}
const baseUrl = baseUrlArg.replace(/\/+$/, '');
const timeout = Number(process.env.BROWSER_CHECK_TIMEOUT_MS || 90000);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

let chromium;
try {
  ({ chromium } = requireFromTests('playwright-core'));
} catch (e) {
  console.error(`browser_check: cannot load playwright-core from ${repoRoot}/tests/browser/node_modules ` +
    `(run scripts/install_deps.sh): ${e.message}`);
  process.exit(2);
}

const url = `${baseUrl}/lab/tree/${notebook.split('/').map(encodeURIComponent).join('/')}`;
mkdirSync(dirname(resolve(screenshot)), { recursive: true });

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
const consoleErrors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  console.log(`browser_check: opening ${url}`);
  const resp = await page.goto(url, { waitUntil: 'domcontentloaded', timeout });
  if (!resp || !resp.ok()) throw new Error(`HTTP ${resp ? resp.status() : 'no response'} for ${url}`);

  // step(what, promise): rethrow a timeout with a message saying what was awaited.
  const step = async (what, p) => {
    try { return await p; } catch (e) { throw new Error(`${what} (${e.message.split('\n')[0]})`); }
  };
  // The notebook panel and its cells.
  await step(`notebook ${notebook} did not render any cell`,
    page.locator('.jp-NotebookPanel .jp-Notebook .jp-Cell').first().waitFor({ state: 'visible', timeout }));

  // An image rendered from image/png output inside an output area.
  await step('no output image (.jp-OutputArea-output img) became visible: is the notebook executed and saved with its image/png outputs?',
    page.locator('.jp-OutputArea-output img').first().waitFor({ state: 'visible', timeout }));
  await step('no output image finished loading with naturalWidth > 0',
    page.waitForFunction(
      () => [...document.querySelectorAll('.jp-OutputArea-output img')]
        .some((i) => i.complete && i.naturalWidth > 0),
      null, { timeout }));
  const imgs = await page.$$eval('.jp-OutputArea-output img', (els) => els.map((i) => ({
    natural: [i.naturalWidth, i.naturalHeight],
    shown: [Math.round(i.getBoundingClientRect().width), Math.round(i.getBoundingClientRect().height)],
    png: i.src.startsWith('data:image/png') || i.closest('[data-mime-type="image/png"]') !== null,
  })));
  const good = imgs.filter((i) => i.natural[0] > 0 && i.shown[0] > 0);
  if (good.length === 0) throw new Error(`no loaded, visible output image: ${JSON.stringify(imgs)}`);
  if (!good.some((i) => i.png)) throw new Error(`output images are not image/png: ${JSON.stringify(imgs)}`);

  // Bring the first plot into view (the notebook scrolls inside its panel, so
  // a full-page screenshot only shows what is scrolled to), then let the
  // layout settle (kernel status, fonts).
  await page.locator('.jp-OutputArea-output img').first().scrollIntoViewIfNeeded();
  await page.waitForTimeout(500);
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`browser_check: OK: ${good.length} output image(s) ${JSON.stringify(good)}; screenshot ${screenshot}`);
} catch (e) {
  fail(e.message.split('\n')[0]);
  if (consoleErrors.length) console.error(`browser console errors:\n  ${consoleErrors.slice(0, 20).join('\n  ')}`);
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages.length) {
      await pages[0].screenshot({ path: screenshot, fullPage: true });
      console.error(`browser_check: failure screenshot ${screenshot}`);
    }
  } catch { /* ignore */ }
} finally {
  await browser.close();
}
