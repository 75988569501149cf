// attn's web pages (`--html FILE`) in a real browser: Debian's chromium driven by playwright-core.
//
//   node pages.test.mjs ATTN    (tests/browser/run.sh checks for chromium and node first)
//
// Each page is made by the real binary, opened from file:// with every request other than the
// page itself refused, and checked against what the same binary prints: --json for the values,
// --explain I,J for every cell's derivation, `attn mask --explain I,J` for a mask. Also: no console
// errors, the head switcher, the keyboard reaching every cell, an accessible name on every cell
// (Chromium's accessibility tree) and axe-core's WCAG 2 A/AA rules, nothing overflowing at desktop
// and phone widths, the dark theme and the print view, valid HTML (html-validate) and no http:
// or https: anywhere in the file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { HtmlValidate } from 'html-validate';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const attn = process.argv[2];
if (!attn) {
  console.error('usage: node pages.test.mjs ATTN');
  process.exit(2);
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-browser-'));
const shots = process.env.ATTN_SCREENSHOTS || work;

function run(args) {
  return execFileSync(attn, [...args, '-q'], { encoding: 'utf8' });
}

// The pages: the command line of each (without --html), and what to check on it.
const causal4 = ['attend', '--q', '[[1,0],[0,1],[1,1],[0.5,0.5]]', '--k',
  '[[1,0],[0,1],[1,1],[0.5,0.5]]', '--v', '[[1,0],[0,1],[1,1],[0,0]]', '--mask', 'causal',
  '--tokens', 'The,cat,sat,down'];
const pages = {
  causal4: causal4,
  // two heads, bias, softcap: every step kind but the given scores
  heads: ['attend', '--q', '[[1,0,1,0],[0,1,0,1],[1,1,0,0]]', '--k',
    '[[1,0,0,1],[0,1,1,0],[1,1,1,1]]', '--v', '[[1,2],[3,4],[5,6]]', '--heads', '2',
    '--bias', 'alibi', '--softcap', '5', '--digits', '3'],
  // given scores with a mask that blocks a whole row (the empty-row policy)
  given: ['weights', '--scores', '1,2,3;-inf,-inf,-inf', '--mask', 'causal', '--digits', '2'],
  score: ['score', '--q', '[[2,0.5,1,-1.5]]', '--k', '[[1,1,-0.5,2],[0,1,0,1]]'],
  rope: ['weights', '--q', '[[1,0,0,1],[0,1,1,0],[1,1,0,0]]', '--k', '[[1,0,0,1],[0,1,1,0],[1,1,0,0]]',
    '--rope', '--mask', 'causal'],
  mask: ['mask', 'causal & window:2', '--n', '5', '--tokens', 'a,b,c,d,e'],
  // the backward pass: one head under a causal mask, and two heads with a bias, a softcap, ∂L/∂b
  grad: ['grad', '--q', '[[1,0],[0,1],[1,1]]', '--k', '[[1,0],[0,1],[1,1]]', '--v',
    '[[1,2],[3,4],[5,6]]', '--mask', 'causal', '--loss', 'sum'],
  gradheads: ['grad', '--q', '[[1,0,1,0],[0,1,0,1],[1,1,0,0]]', '--k',
    '[[1,0,0,1],[0,1,1,0],[1,1,1,1]]', '--v', '[[1,2],[3,4],[5,6]]', '--heads', '2', '--bias',
    'alibi', '--softcap', '5', '--dbias', '--loss', 'mse', '--target', '[[0,0],[1,1],[2,2]]',
    '--digits', '3'],
};

// The same command for --json, which takes neither --tokens nor --digits (it has every digit).
function plain(args) {
  return args.filter((a, n) => !['--tokens', '--digits'].includes(a) && !['--tokens', '--digits'].includes(args[n - 1]));
}

// --explain prints text, which takes no --tokens.
function noTokens(args) {
  return args.filter((a, n) => a !== '--tokens' && args[n - 1] !== '--tokens');
}

function pageFile(name) {
  return path.join(work, name + '.html');
}

for (const [name, args] of Object.entries(pages)) run([...args, '--html', pageFile(name)]);
// attn grad takes --tokens for its page only
run([...pages.grad, '--tokens', 'The,cat,sat', '--html', pageFile('grad')]);

// A page too large to explore: 70 queries and keys, from a JSON document.
{
  const n = 70;
  const q = [], k = [], v = [];
  for (let i = 0; i < n; i++) {
    q.push([Math.sin(i), Math.cos(i)]);
    k.push([Math.cos(i), Math.sin(2 * i)]);
    v.push([i % 3, 1]);
  }
  fs.writeFileSync(path.join(work, 'large.json'), JSON.stringify({ q, k, v }));
  pages.large = ['attend', '--input', path.join(work, 'large.json'), '--mask', 'causal'];
  run([...pages.large, '--html', pageFile('large')]);
}

const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(work, 'profile-')), {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: flags,
  offline: true,
  viewport: { width: 1280, height: 800 },
});
const requests = [];
await context.route('**/*', (route) => {
  const url = route.request().url();
  if (url.startsWith('file:') && url.endsWith('.html')) return route.continue();
  requests.push(url);
  return route.abort();
});

// Opens a page, recording console errors and every request it attempts.
async function open(name, options = {}) {
  const page = await context.newPage();
  const errors = [];
  const attempted = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => { if (r.url() !== pathToFileURL(pageFile(name)).href) attempted.push(r.url()); });
  if (options.viewport) await page.setViewportSize(options.viewport);
  await page.goto(pathToFileURL(pageFile(name)).href);
  return { page, errors, attempted };
}

// The digits a shown number carries, and whether it equals the exact value at those digits.
function agrees(shown, exact) {
  if (shown === '-inf') return exact === '-Infinity' || exact === -Infinity;
  if (shown === 'nan') return exact === 'NaN';
  const x = Number(shown);
  if (!Number.isFinite(x)) return false;
  const dot = shown.indexOf('.');
  const e = shown.indexOf('e');
  if (e >= 0) return Math.abs(x - exact) <= Math.abs(exact) * 1e-3;
  const decimals = dot < 0 ? 0 : shown.length - dot - 1;
  return Math.abs(x - exact) <= 0.5 * 10 ** -decimals * (1 + 1e-9);
}

// The text of every cell of every visible heatmap table, by its data-json name.
async function shownGrids(page, scope) {
  return page.$$eval(scope + ' table.heat[data-json]', (tables) => tables
    .filter((t) => t.offsetParent !== null)
    .map((t) => ({
      json: t.getAttribute('data-json'),
      cells: [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    })));
}

function checkValues(grids, json, label) {
  assert.ok(grids.length > 0, label + ': no grids to compare');
  for (const g of grids) {
    const exact = json[g.json];
    assert.ok(exact, label + ': --json has no ' + g.json);
    assert.equal(g.cells.length, exact.length, label + ' ' + g.json + ': rows');
    g.cells.forEach((row, i) => {
      assert.equal(row.length, exact[i].length, label + ' ' + g.json + ': columns of row ' + i);
      row.forEach((shown, j) => {
        const want = g.json === 'mask' ? (exact[i][j] ? 0 : '-Infinity') : exact[i][j];
        assert.ok(agrees(shown, want), `${label} ${g.json}[${i}][${j}]: shows ${shown}, --json has ${exact[i][j]}`);
      });
    });
  }
}

// What --explain I,J prints for each head (split at "Head h of H:").
function explainByHead(args, i, j, heads) {
  const out = run([...noTokens(args), '--explain', `${i},${j}`]);
  if (heads === 1) return [out];
  return out.split(/^Head \d+ of \d+:\n/m).slice(1).map((part, h, all) => (h < all.length - 1 ? part.replace(/\n$/, '') : part));
}

async function checkStories(page, args, head, heads) {
  const tables = await page.$$(`section.head[data-head="${head}"] table.heat[data-story="cell"]`);
  assert.ok(tables.length > 0, 'no explorable grids');
  const first = tables[0];
  const n = await first.$$eval('tbody tr', (rows) => [rows.length, rows[0].querySelectorAll('td').length]);
  for (let i = 0; i < n[0]; i++) {
    for (let j = 0; j < n[1]; j++) {
      const want = explainByHead(args, i, j, heads)[head];
      for (const [t, table] of tables.entries()) {
        const cell = await table.$(`td[data-i="${i}"][data-j="${j}"]`);
        // hover in every grid, focus in every other one (both ways in each over the cells)
        if ((t + i + j) % 2 === 0) await cell.hover();
        else await cell.focus();
        const shown = await page.$eval('#cell-story', (el) => el.textContent);
        assert.equal(shown, want, `cell (${i}, ${j}) of grid ${t}, head ${head}`);
        if (t === 0) {
          await page.mouse.move(0, 0);
          await cell.focus();
          assert.equal(await page.$eval('#cell-story', (el) => el.textContent), want, `focus (${i}, ${j})`);
        }
      }
    }
  }
}

// Every cell of every visible table, reached with the arrow keys from its Tab stop.
async function checkKeyboard(page) {
  const tables = await page.$$('table.heat');
  let checked = 0;
  for (const table of tables) {
    if (!(await table.isVisible())) continue;
    const [rows, cols, stops] = await table.evaluate((t) => [t.querySelectorAll('tbody tr').length,
      t.querySelector('tbody tr').querySelectorAll('td').length, t.querySelectorAll('td[tabindex="0"]').length]);
    assert.equal(stops, 1, 'one Tab stop per heatmap');
    // from the Tab stop (wherever the last visit left it) to the first cell: Home, then up
    await (await table.$('td[tabindex="0"]')).focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < rows; i++) await page.keyboard.press('ArrowUp');
    const where = () => page.evaluate(() => `${document.activeElement.getAttribute('data-i')},${document.activeElement.getAttribute('data-j')}`);
    assert.equal(await where(), '0,0', 'Home and the up arrow lead to the first cell');
    const reached = new Set([await where()]);
    for (let i = 0; i < rows; i++) {
      for (let j = 1; j < cols; j++) {
        await page.keyboard.press(i % 2 === 0 ? 'ArrowRight' : 'ArrowLeft');
        reached.add(await where());
      }
      if (i < rows - 1) {
        await page.keyboard.press('ArrowDown');
        reached.add(await where());
      }
    }
    assert.equal(reached.size, rows * cols, 'the arrow keys reach every cell');
    await page.keyboard.press('End');
    assert.equal(await where(), `${rows - 1},${cols - 1}`, 'End goes to the end of the row');
    checked++;
  }
  assert.ok(checked > 0);
}

// Chromium's accessibility tree: every grid cell has a name.
async function checkNames(page) {
  const cdp = await context.newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  const cells = nodes.filter((n) => n.role && n.role.value === 'gridcell');
  const visible = await page.$$eval('table.heat td', (tds) => tds.filter((td) => td.offsetParent !== null).length);
  assert.equal(cells.length, visible, 'every visible cell is a gridcell in the accessibility tree');
  for (const c of cells) assert.ok(c.name && c.name.value && c.name.value.length > 3, 'a gridcell without a name');
  await cdp.detach();
}

async function checkAxe(page) {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } }));
  const summary = result.violations.map((v) => `${v.id}: ${v.nodes.length} × ${v.nodes[0].html.slice(0, 80)}`);
  assert.deepEqual(summary, [], 'axe-core WCAG 2 A/AA violations');
}

// Nothing wider than the viewport, and no heatmap's scroll box actually scrolling.
async function checkNoOverflow(page, width, label) {
  const problems = await page.evaluate(() => {
    const out = [];
    const w = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > w) out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + w);
    for (const el of document.body.querySelectorAll('*')) {
      if (el.offsetParent === null && getComputedStyle(el).position !== 'fixed') continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < -0.5 || r.right > w + 0.5) out.push(`${el.tagName.toLowerCase()}.${el.className} spans ${r.left}..${r.right}`);
    }
    for (const s of document.querySelectorAll('.scroll')) {
      if (s.scrollWidth > s.clientWidth + 1) out.push('a heatmap needs scrolling: ' + s.scrollWidth + ' > ' + s.clientWidth);
    }
    return out.slice(0, 5);
  });
  assert.deepEqual(problems, [], `${label} at ${width}px`);
}

test.after(async () => {
  await context.close();
  if (!process.env.ATTN_SCREENSHOTS) fs.rmSync(work, { recursive: true, force: true });
});

test('every page is valid HTML, self-contained, and loads without errors or requests', async () => {
  const validator = new HtmlValidate({ extends: ['html-validate:recommended'], rules: { 'no-inline-style': 'error' } });
  for (const name of Object.keys(pages)) {
    const file = pageFile(name);
    const text = fs.readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /https?:/i, name + ': an http: or https: reference');
    const report = await validator.validateString(text, file);
    const messages = report.results.flatMap((r) => r.messages.map((m) => `${m.line}:${m.column} ${m.ruleId} ${m.message}`));
    assert.deepEqual(messages, [], name + ': html-validate');
    const { page, errors, attempted } = await open(name);
    await page.waitForLoadState('load');
    assert.deepEqual(errors, [], name + ': console errors');
    assert.deepEqual(attempted, [], name + ': requests');
    await page.close();
  }
  assert.deepEqual(requests, [], 'requests refused');
  assert.ok(fs.statSync(pageFile('causal4')).size < 100 * 1024, 'the 4-token page is under 100 KB');
});

test('the 4-token causal page: values, derivations, rows, keyboard, names, layout', async () => {
  const { page } = await open('causal4');
  const json = JSON.parse(run([...plain(causal4), '--json']));
  checkValues(await shownGrids(page, 'main'), json, 'causal4');
  await checkStories(page, causal4, 0, 1);
  // a click selects the row: its cells are marked, its softmax and output are told
  await page.click('#h0-alpha td[data-i="2"][data-j="1"]');
  assert.equal(await page.$$eval('#h0-alpha tr.chosen th', (th) => th.map((x) => x.textContent).join()), 'sat');
  const row = await page.$eval('#row-story', (el) => el.textContent);
  const weights = row.match(/α_2 = exps \/ sum = \[([^\]]*)\]/);
  assert.ok(weights, row);
  weights[1].split(', ').forEach((w, j) => assert.ok(agrees(w, json.weights[2][j]), `row 2: α_2${j} = ${w}`));
  assert.match(row, /o_2 = \[/);
  await page.focus('#h0-s td[data-i="3"][data-j="0"]');
  await page.keyboard.press('Enter');
  assert.equal(await page.$$eval('#h0-alpha tr.chosen th', (th) => th.map((x) => x.textContent).join()), 'down');
  await checkKeyboard(page);
  await checkNames(page);
  await checkAxe(page);
  for (const viewport of [{ width: 1280, height: 900 }, { width: 375, height: 740 }]) {
    await page.setViewportSize(viewport);
    await checkNoOverflow(page, viewport.width, 'causal4');
    await page.screenshot({ path: path.join(shots, `causal4-${viewport.width}.png`), fullPage: true });
  }
  // the dark theme keeps the page readable; printing hides the panel
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(dark, 'rgb(20, 20, 20)');
  await checkAxe(page);
  await page.emulateMedia({ media: 'print', colorScheme: 'light' });
  assert.equal(await page.$eval('aside', (a) => getComputedStyle(a).display), 'none');
  await page.close();
});

test('two heads: the switcher shows each head, with its values and derivations', async () => {
  const { page } = await open('heads');
  const json = JSON.parse(run([...plain(pages.heads), '--json']));
  for (const step of ['dot', 'scale', 'bias', 'softcap', 'scores', 'softmax', 'output'])
    assert.ok(await page.$('#h0-step-' + step), 'the page has step ' + step);
  for (const h of [0, 1]) {
    await page.check(`input[name="head"][value="${h}"]`);
    assert.equal(await page.$eval(`section.head[data-head="${h}"]`, (s) => s.hidden), false);
    assert.equal(await page.$eval(`section.head[data-head="${1 - h}"]`, (s) => s.hidden), true);
    checkValues(await shownGrids(page, `section.head[data-head="${h}"]`), json.heads[h], 'head ' + h);
    await checkStories(page, pages.heads, h, 2);
    await checkKeyboard(page);
    await checkNames(page);
  }
  checkValues(await shownGrids(page, 'section.joint'), json, 'joint output');
  await checkAxe(page);
  await page.close();
});

test('given scores with an empty row, a score page, rotary embeddings', async () => {
  for (const name of ['given', 'score', 'rope']) {
    const { page } = await open(name);
    const json = JSON.parse(run([...plain(pages[name]), '--json']));
    checkValues(await shownGrids(page, 'main'), json, name);
    await checkStories(page, pages[name], 0, 1);
    await checkKeyboard(page);
    await checkNames(page);
    await page.close();
  }
});

test('a mask page: each cell says which atom allows or blocks it', async () => {
  const { page } = await open('mask');
  const json = JSON.parse(run([...plain(pages.mask), '--json']));
  checkValues(await shownGrids(page, 'main'), { mask: json.mask }, 'mask');
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      await page.hover(`td[data-i="${i}"][data-j="${j}"]`);
      const want = run([...noTokens(pages.mask), '--explain', `${i},${j}`]);
      assert.equal(await page.$eval('#cell-story', (el) => el.textContent), want, `mask cell (${i}, ${j})`);
    }
  }
  await checkKeyboard(page);
  await checkNames(page);
  await checkAxe(page);
  await page.setViewportSize({ width: 375, height: 740 });
  await checkNoOverflow(page, 375, 'mask');
  await page.close();
});

// Every cell of dq, dk, dv, dα and dβ shows what `attn grad --explain dq:I,J` (dk:J,T, dv:J,C,
// dalpha:I,J, dbeta:I,J) prints.
async function checkGradStories(page, args, head, heads) {
  let checked = 0;
  for (const kind of ['dq', 'dk', 'dv', 'dalpha', 'dbeta']) {
    const table = await page.$(`section.head[data-head="${head}"] table.heat[data-story="${kind}"]`);
    assert.ok(table, 'no ' + kind + ' grid');
    const [rows, cols] = await table.$$eval('tbody tr', (r) => [r.length, r[0].querySelectorAll('td').length]);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const out = run([...args, '--explain', `${kind}:${i},${j}`]);
        const want = heads === 1 ? out : out.split(/^Head \d+ of \d+:\n/m).slice(1)
          .map((part, h, all) => (h < all.length - 1 ? part.replace(/\n$/, '') : part))[head];
        const cell = await table.$(`td[data-i="${i}"][data-j="${j}"]`);
        if ((i + j) % 2 === 0) await cell.hover();
        else { await page.mouse.move(0, 0); await cell.focus(); }
        assert.equal(await page.$eval('#cell-story', (el) => el.textContent), want, `${kind}[${i}][${j}], head ${head}`);
        checked++;
      }
    }
  }
  return checked;
}

test('the backward page: every step, its values, and each cell of dq, dk, dv, dα, dβ explained', async () => {
  const { page } = await open('grad');
  const json = JSON.parse(run([...plain(pages.grad), '--json']));
  for (const step of ['inputs', 'do', 'dv', 'dalpha', 'dbeta', 'dq', 'dk'])
    assert.ok(await page.$('#h0-step-' + step), 'the page has step ' + step);
  const grids = await shownGrids(page, 'main');
  assert.deepEqual(grids.map((g) => g.json), ['weights', 'do', 'dv', 'dalpha', 'dbeta', 'dq', 'dk']);
  checkValues(grids, json, 'grad');
  assert.equal(await checkGradStories(page, pages.grad, 0, 1), 3 * 2 + 3 * 2 + 3 * 2 + 3 * 3 + 3 * 3);
  assert.equal(await page.$$eval('#h0-dq tbody th', (th) => th.map((x) => x.textContent).join()), 'The,cat,sat');
  await checkKeyboard(page);
  await checkNames(page);
  await checkAxe(page);
  await page.setViewportSize({ width: 375, height: 740 });
  await checkNoOverflow(page, 375, 'grad');
  await page.close();
});

test('the backward page with two heads: the switcher, softcap and bias steps, the layer', async () => {
  const { page } = await open('gradheads');
  const json = JSON.parse(run([...plain(pages.gradheads), '--json']));
  for (const h of [0, 1]) {
    await page.check(`input[name="head"][value="${h}"]`);
    assert.equal(await page.$eval(`section.head[data-head="${1 - h}"]`, (s) => s.hidden), true);
    for (const step of ['dsoftcap', 'dbias']) assert.ok(await page.$(`#h${h}-step-${step}`), step);
    checkValues(await shownGrids(page, `section.head[data-head="${h}"]`), json.heads[h], 'head ' + h);
    await checkGradStories(page, pages.gradheads, h, 2);
    await checkKeyboard(page);
    await checkNames(page);
  }
  const layer = await shownGrids(page, 'section.joint');
  assert.deepEqual(layer.map((g) => g.json), ['do', 'dv', 'dq', 'dk']);
  checkValues(layer, json, 'the layer');
  await checkAxe(page);
  await page.close();
});

test('a page too large to explore draws canvases and says so', async () => {
  const { page, errors } = await open('large');
  assert.equal(await page.$$eval('table.heat', (t) => t.length), 0);
  assert.ok((await page.$$eval('canvas[data-canvas]', (c) => c.length)) >= 4);
  assert.match(await page.$eval('.note', (p) => p.textContent), /more than 64 queries or keys/);
  assert.equal(await page.$('#cell-story'), null);
  // the canvas is painted: its first pixel is the colour of β_00's level, not transparent
  const alpha = await page.$eval('canvas[data-canvas]', (c) => c.getContext('2d').getImageData(0, 0, 1, 1).data[3]);
  assert.equal(alpha, 255);
  assert.deepEqual(errors, []);
  assert.ok(fs.statSync(pageFile('large')).size < 2 * 1024 * 1024, 'the large page stays small');
  await page.close();
});
