// The README's picture of the web page: docs/page.html (the `docs` build target's page of the
// 4-token causal example) photographed in Debian's chromium with query row 2 selected and cell
// (2, 1) of the weights under the pointer.
//
//   node screenshot.mjs PAGE.html OUT.png [WIDTH HEIGHT]     (scripts/screenshot runs it)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [page_file, out, width = '1280', height = '860'] = process.argv.slice(2);
if (!page_file || !out) {
  console.error('usage: node screenshot.mjs PAGE.html OUT.png [WIDTH HEIGHT]');
  process.exit(2);
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-screenshot-'));
const context = await chromium.launchPersistentContext(path.join(work, 'profile'), {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  offline: true,
  viewport: { width: Number(width), height: Number(height) },
  colorScheme: 'light',
});
await context.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
const page = await context.newPage();
await page.goto(pathToFileURL(path.resolve(page_file)).href);
// the weights in view, row 2 ("sat") selected, cell (2, 1) under the pointer
await page.$eval('#h0-step-softmax', (s) => s.scrollIntoView({ block: 'start' }));
const cell = await page.$('#h0-alpha td[data-i="2"][data-j="1"]');
await cell.click();
await cell.hover();
await page.screenshot({ path: out });
await context.close();
fs.rmSync(work, { recursive: true, force: true });
console.log('wrote ' + out);
