/**
 * The web console in headless Chromium against a real sandbox (process launcher, from source):
 * the executions list (filters, live rows), execution pages (static, branch, map, dynamic while
 * it runs, eager children), node panels (inputs/outputs, streamed logs), the launch form with
 * validation, relaunch and terminate, keyboard use, dark mode and a laptop width. Screenshots go
 * to test/e2e/screenshots/ (and to docs/images/ with TFLYTE_DOCS_SCREENSHOTS=1).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { literalMapToJs } from '../../src/core/index.ts';
import { ROOT } from '../support/cli.ts';
import { openConsolePage } from '../support/console-page.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test', 'e2e', 'screenshots');
const DOCS_IMAGES = path.join(ROOT, 'docs', 'images');
const P = 'flytesnacks';
const D = 'development';

function chromiumAvailable(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing in CI: .ci/run must install chromium (scripts/ci/install-chromium.sh)`);
  console.warn(`skipping the console browser tests: ${CHROMIUM} is missing (apt-get install chromium)`);
  return false;
}
const available = chromiumAvailable();

/** A workflow whose task prints `n` lines `pause_ms` apart (for logs, live updates and terminate). */
const CHATTY = `import { task, workflow, t } from 'tflyte';

export const chatty = task({ inputs: { n: t.int, pause_ms: t.int }, outputs: t.int }, async ({ n, pause_ms }) => {
  for (let i = 1; i <= n; i++) {
    console.log(\`line \${i} of \${n}\`);
    await new Promise((r) => setTimeout(r, pause_ms));
  }
  console.log('done');
  return n;
});

export const chatty_wf = workflow({ inputs: { n: t.int, pause_ms: t.int }, outputs: t.int }, ({ n, pause_ms }) => chatty({ n, pause_ms }));
`;

describe.skipIf(!available)('web console in headless Chromium (process launcher)', () => {
  let sbx: TestSandbox;
  let ctx: BrowserContext;
  let page: Page;
  let userDir: string;
  let fixtureDir: string;
  let chattyFile: string;
  const done: Promise<unknown>[] = [];

  const url = (p: string): string => `${sbx.url}/console/${p}`;
  const execUrl = (name: string, q = ''): string => url(`projects/${P}/domains/${D}/executions/${name}${q}`);
  const shot = async (name: string, docs = false): Promise<void> => {
    fs.mkdirSync(SHOTS, { recursive: true });
    const file = path.join(SHOTS, `${name}.png`);
    await page.screenshot({ path: file });
    if (docs && process.env.TFLYTE_DOCS_SCREENSHOTS) {
      fs.mkdirSync(DOCS_IMAGES, { recursive: true });
      fs.copyFileSync(file, path.join(DOCS_IMAGES, `console-${name}.png`));
    }
  };
  const open = (target: string): Promise<void> => openConsolePage(page, target);
  const phaseOf = (selector: string): Promise<string | null> => page.locator(selector).first().getAttribute('data-phase');
  const waitPhase = (selector: string, phase: string, timeout = 90_000): Promise<unknown> =>
    page.waitForSelector(`${selector}[data-phase="${phase}"]`, { timeout });

  beforeAll(async () => {
    sbx = await startTestSandbox({ launcher: 'process', name: 'console' });
    fixtureDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-console-fixture-'));
    chattyFile = path.join(fixtureDir, 'chatty.ts');
    fs.writeFileSync(chattyFile, CHATTY);
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-chromium-'));
    ctx = await chromium.launchPersistentContext(userDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1366, height: 860 },
      colorScheme: 'light',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.setDefaultTimeout(30_000);
  });

  afterAll(async () => {
    await Promise.allSettled(done);
    await ctx?.close();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
    if (fixtureDir) fs.rmSync(fixtureDir, { recursive: true, force: true });
    await sbx?.destroy();
  });

  test('executions list: runs with their phases, filters by phase and name, new runs appear live', async () => {
    const ok = await sbx.run('examples/basic_workflow.ts', 'my_wf', ['--a', '50', '--b', 'hello'], ['--name', 'console-basic']);
    expect(ok.phase).toBe('SUCCEEDED');
    const bad = await sbx.run('examples/conditional_map.ts', 'classify', ['--x', '5000'], ['--name', 'console-fails']);
    expect(bad.phase).toBe('FAILED');

    await open(`${sbx.url}/console`);
    await page.waitForURL(`**/console/projects/${P}/domains/${D}/executions`);
    await waitPhase('tr[data-execution="console-basic"]', 'SUCCEEDED');
    await waitPhase('tr[data-execution="console-fails"]', 'FAILED');
    expect(await page.locator('tr[data-execution="console-basic"] .col-wf').innerText()).toContain('my_wf');

    await page.selectOption('#f-phase', 'FAILED');
    await page.waitForSelector('tr[data-execution="console-basic"]', { state: 'detached' });
    expect(await page.locator('tr.exec-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-phase')))).toEqual(expect.arrayContaining(['FAILED']));
    expect(await page.locator('tr.exec-row:not([data-phase="FAILED"])').count()).toBe(0);
    expect(page.url()).toContain('phase=FAILED');

    await page.selectOption('#f-phase', '');
    await page.fill('#f-name', 'basic_workflow');
    await page.waitForSelector('tr[data-execution="console-fails"]', { state: 'detached' });
    expect(await page.locator('tr.exec-row').count()).toBe(1);
    await page.fill('#f-name', '');
    await page.waitForSelector('tr[data-execution="console-fails"]');

    // A run started elsewhere shows up without a reload.
    done.push(sbx.run(chattyFile, 'chatty_wf', ['--n', '6', '--pause_ms', '300'], ['--name', 'console-live']));
    await page.waitForSelector('tr[data-execution="console-live"]', { timeout: 60_000 });
    await waitPhase('tr[data-execution="console-live"]', 'SUCCEEDED');
    await shot('list-first');

    // Another domain: its own (empty) list; back to development.
    await page.click('.segmented a[data-domain="staging"]');
    await page.waitForURL(`**/console/projects/${P}/domains/staging/executions`);
    await page.waitForSelector('.empty-title:has-text("No executions yet")');
    await page.click('.segmented a[data-domain="development"]');
    await page.waitForSelector('tr[data-execution="console-basic"]');
  });

  test('static execution: graph with phases, inputs and outputs by type, node panel data', async () => {
    await open(execUrl('console-basic'));
    await waitPhase('.gnode[data-node="n0"]', 'SUCCEEDED');
    await waitPhase('.gnode[data-node="n1"]', 'SUCCEEDED');
    expect(await page.locator('.gnode[data-kind="start"]').count()).toBe(1);
    expect(await page.locator('.gnode[data-kind="end"]').count()).toBe(1);
    expect(await page.locator('.exec-head .badge').getAttribute('data-phase')).toBe('SUCCEEDED');
    expect(await page.locator('.gnode[data-node="n0"] .gnode-title').innerText()).toBe('t1');
    expect(await page.locator('svg.edges path.edge').count()).toBeGreaterThanOrEqual(4);

    await page.click('#exec-tab-io');
    await page.waitForSelector('.io tr[data-name="o1"]');
    expect(await page.locator('.io tr[data-name="o1"] td').innerText()).toBe('"helloworld"');
    expect(await page.locator('.io tr[data-name="a"] td').innerText()).toBe('50');
    expect(await page.locator('.io tr[data-name="a"] .v-type').innerText()).toBe('int');

    await page.click('#exec-tab-graph');
    await page.click('.gnode[data-node="n1"] .gnode-head');
    await page.waitForSelector('aside.panel[data-node="n1"]');
    expect(page.url()).toContain('node=n1');
    await page.click('#node-tab-io');
    await page.waitForSelector('aside.panel tr[data-name="b"]');
    expect(await page.locator('aside.panel tr[data-name="b"] td').innerText()).toBe('"hello"');
    expect(await page.locator('aside.panel tr[data-name="o0"] td').innerText()).toBe('"helloworld"');
    await shot('static-graph', true);

    // Overview: cache status and attempts; Escape closes the panel.
    await page.click('#node-tab-overview');
    expect(await page.locator('aside.panel .facts').innerText()).toMatch(/CACHE\s+Not cached/i);
    await page.keyboard.press('Escape');
    await page.waitForSelector('aside.panel', { state: 'detached' });
  });

  test('an attempt that ran in a warm container names it in the Attempts tab', async () => {
    const r = await sbx.run('test/fixtures/reuse/reuse.ts', 'chain', ['--x', '1'], ['--name', 'console-warm']);
    expect(r.phase).toBe('SUCCEEDED');
    await open(execUrl('console-warm', '?node=n1'));
    await page.waitForSelector('aside.panel[data-node="n1"]');
    await page.click('#node-tab-attempts');
    await page.waitForSelector('aside.panel .attempt-container');
    expect(await page.locator('aside.panel .attempt-container').innerText()).toMatch(/^Ran in warm container tflyte-warm-[0-9a-f]{8}-[0-9a-f]{8}$/);
  });

  test('logs: streamed while the task runs, complete afterwards', async () => {
    const run = sbx.run(chattyFile, 'chatty_wf', ['--n', '12', '--pause_ms', '400'], ['--name', 'console-logs']);
    done.push(run);
    await open(execUrl('console-logs', '?node=n0'));
    await page.waitForSelector('aside.panel[data-node="n0"]', { timeout: 60_000 });
    await page.click('#node-tab-logs');
    // While running: the stream is followed and grows.
    await page.waitForSelector('.logs .live-label', { timeout: 60_000 });
    await page.waitForFunction(() => /line 2 of 12/.test(document.querySelector('pre.log')?.textContent ?? ''));
    expect(await page.locator('pre.log').innerText()).not.toContain('done');
    await shot('logs-live');
    const r = await run;
    expect((r as { phase: string }).phase).toBe('SUCCEEDED');
    await page.waitForFunction(() => /line 12 of 12\s+done/.test(document.querySelector('pre.log')?.textContent ?? ''), undefined, { timeout: 30_000 });
    expect(await page.locator('pre.log').innerText()).toContain('line 1 of 12');
    await waitPhase('aside.panel .panel-head .badge', 'SUCCEEDED');
  });

  test('failing run: error kind and message; branch cases taken and skipped', async () => {
    await open(execUrl('console-fails'));
    await page.waitForSelector('.exec-page .error-box');
    const err = await page.locator('.exec-page > .error-box').innerText();
    expect(err).toMatch(/user error/i);
    expect(err).toContain('x must be below 1000');
    await waitPhase('.gnode[data-kind="branch"]', 'FAILED');
    const cases = await page.locator('.gnode[data-kind="branch"] .case').evaluateAll((els) => els.map((e) => e.getAttribute('data-case')));
    expect(cases).toEqual(['skipped', 'skipped', 'taken']);
    expect(await page.locator('.gnode[data-kind="branch"] .case[data-case="taken"]').innerText()).toContain('fail: x must be below 1000');
    await shot('failed-branch', true);

    const small = await sbx.run('examples/conditional_map.ts', 'classify', ['--x', '5'], ['--name', 'console-branch']);
    expect(small.phase).toBe('SUCCEEDED');
    await open(execUrl('console-branch'));
    await waitPhase('.gnode[data-kind="branch"]', 'SUCCEEDED');
    const taken = page.locator('.gnode[data-kind="branch"] .case[data-case="taken"]');
    expect(await taken.innerText()).toContain('describe_small');
    expect(await page.locator('.gnode[data-kind="branch"] .case[data-case="skipped"]').count()).toBe(2);
  });

  test('map node: one square per item with its phase', async () => {
    const r = await sbx.run('examples/conditional_map.ts', 'halve_some', ['--xs', '[1,2,3,4]'], ['--name', 'console-map']);
    expect(r.phase).toBe('SUCCEEDED');
    await open(execUrl('console-map'));
    await page.waitForSelector('.gnode[data-kind="array"] .item');
    const items = await page.locator('.gnode[data-kind="array"] .item').evaluateAll((els) => els.map((e) => e.getAttribute('data-phase')));
    expect(items).toEqual(['FAILED', 'SUCCEEDED', 'FAILED', 'SUCCEEDED']);
    // An item opens in the panel with its own error.
    await page.click('.gnode[data-kind="array"] .item[data-phase="FAILED"]');
    await page.waitForSelector('aside.panel .error-box');
    expect(await page.locator('aside.panel .error-box').innerText()).toContain('1 is odd');
  });

  test('dynamic workflow: children appear in the graph while the dynamic node runs', async () => {
    const run = sbx.run('examples/dynamic_workflow.ts', 'wf', ['--s1', 'Pear', '--s2', 'Earth'], ['--name', 'console-dynamic']);
    done.push(run);
    await open(execUrl('console-dynamic'));
    // Seen at least once: the dynamic node is still running and already shows children.
    await page.waitForFunction(
      () => {
        const n0 = document.querySelector('.gnode[data-node="n0"]');
        const running = ['RUNNING', 'DYNAMIC_RUNNING'].includes(n0?.getAttribute('data-phase') ?? '');
        return running && (n0?.querySelectorAll('.gnode-inner .gnode:not([data-kind="start"]):not([data-kind="end"])').length ?? 0) > 0;
      },
      undefined,
      { timeout: 90_000, polling: 100 },
    );
    await shot('dynamic-running', true);
    const r = (await run) as { phase: string; outputs: unknown };
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 3 });
    await waitPhase('.gnode[data-node="n0"]', 'SUCCEEDED', 30_000);
    // Every child the API lists (minus start/end) is drawn, all succeeded.
    const res = await sbx.client.listNodeExecutions({ project: P, domain: D, name: 'console-dynamic' }, { uniqueParentId: 'n0', limit: 500 });
    const children = (res.nodeExecutions ?? []).filter((n) => !/(start|end)-node$/.test(n.id?.nodeId ?? ''));
    // "Pear" + "Earth": 9 return_index + 9 update_list + derive_count.
    expect(children.length).toBe(19);
    await page.waitForFunction((count) => document.querySelectorAll('.gnode[data-node="n0"] .gnode-inner .gnode[data-kind="task"][data-phase="SUCCEEDED"]').length === count, children.length);
    await page.click('.gnode[data-node="n0-0-dn0"] .gnode-head');
    await page.waitForSelector('aside.panel[data-node="n0-0-dn0"]');
    await page.click('#exec-tab-timeline');
    await page.waitForSelector('.timeline .tl-row[data-node="n0-0-dn18"] .tl-bar');
    await shot('timeline');
  });

  test('eager workflow: child executions listed in the node, with links both ways', async () => {
    const r = await sbx.run('examples/eager_workflows.ts', 'eager_workflow_with_for_loop', ['--x', '3'], ['--name', 'console-eager']);
    expect(r.phase).toBe('SUCCEEDED');
    const kids = await sbx.client.listExecutions(P, D, { filters: 'eq(execution_tag.key,eager-exec)+eq(execution_tag.value,console-eager)' });
    const names = (kids.executions ?? []).map((e) => e.id?.name ?? '');
    expect(names.length).toBe(4);
    await open(execUrl('console-eager'));
    await page.waitForSelector('.gnode[data-kind="eager"] .eager-row');
    await page.waitForFunction((n) => document.querySelectorAll('.gnode[data-kind="eager"] .eager-row[data-phase="SUCCEEDED"]').length === n, names.length);
    const shown = await page.locator('.gnode[data-kind="eager"] .eager-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-execution')));
    expect([...shown].sort()).toEqual([...names].sort());
    expect(await page.locator('.gnode[data-kind="eager"] .eager-label').allInnerTexts()).toEqual(expect.arrayContaining(['add_one', 'double']));
    // The node's panel lists every child execution with a link.
    await page.click('.gnode[data-kind="eager"] .gnode-head');
    await page.waitForSelector('aside.panel table a');
    expect(await page.locator('aside.panel table a').count()).toBe(names.length);
    await shot('eager', true);
    await page.click(`.eager-row[data-execution="${names[0]}"]`);
    await page.waitForURL(`**/executions/${names[0]}`);
    await page.waitForSelector('.exec-head .facts a[href$="/executions/console-eager"]');
  });

  test('every input type: rendered by type, prefilled in the launch form, launched again unchanged', async () => {
    const inputs = ['--i', '9007199254740991', '--f', '1.5', '--s', 'héllo', '--b', 'true', '--when', '2024-05-01T10:00:00.123Z', '--span', '90s', '--nothing', 'null'];
    inputs.push('--ints', '[1,-2,3]', '--scores', '{"a":0.5}', '--point', '{"x":1,"y":2.5,"label":"p"}', '--any_json', '{"k":[1,"two",{"three":null}]}');
    inputs.push('--maybe', 'null', '--either', 'str', '--color', 'green', '--nested', '[{"a":[1,null]}]');
    const r = await sbx.run('examples/all_types.ts', 'all_types_wf', inputs, ['--name', 'console-types']);
    expect(r.phase).toBe('SUCCEEDED');
    await open(execUrl('console-types', '?tab=io'));
    await page.waitForSelector('.io tr[data-name="nested"]');
    const cell = (name: string): Promise<string> => page.locator(`.io section:first-child tr[data-name="${name}"] td`).innerText();
    expect(await cell('i')).toBe('9007199254740991');
    expect(await cell('when')).toBe('2024-05-01T10:00:00.123Z');
    expect(await cell('span')).toBe('90s');
    expect(await cell('maybe')).toBe('none');
    expect(JSON.parse(await cell('point'))).toEqual({ x: 1, y: 2.5, label: 'p' });
    expect(await page.locator('.io section:first-child tr[data-name="point"] .json .j-key').first().innerText()).toBe('"x"');

    await page.click('.exec-head button:has-text("New inputs")');
    await page.waitForSelector('dialog.launch #in-nested');
    expect(await page.inputValue('#in-i')).toBe('9007199254740991');
    expect(await page.inputValue('#in-color')).toBe('green');
    expect(await page.locator('#in-b').isChecked()).toBe(true);
    await page.click('dialog.launch button[type="submit"]');
    await page.waitForURL((u) => /\/executions\/[a-z0-9-]+$/.test(u.pathname) && !u.pathname.endsWith('/console-types'));
    await waitPhase('.exec-head .badge', 'SUCCEEDED');
    const name = page.url().split('/').pop() as string;
    const [before, after] = await Promise.all(['console-types', name].map((n) => sbx.client.getExecutionData({ project: P, domain: D, name: n })));
    expect(literalMapToJs(after?.fullOutputs)).toEqual(literalMapToJs(before?.fullOutputs));
    expect(literalMapToJs(after?.fullInputs)).toEqual(literalMapToJs(before?.fullInputs));
  });

  test('file outputs are links that serve the file', async () => {
    const r = await sbx.run('examples/all_types.ts', 'write_file', ['--text', 'hello file'], ['--name', 'console-file']);
    expect(r.phase).toBe('SUCCEEDED');
    await open(execUrl('console-file', '?tab=io'));
    const link = page.locator('.io tr[data-name="o0"] a.blob-link');
    await link.waitFor();
    expect(await link.innerText()).toBe('message.txt');
    const href = await link.getAttribute('href');
    const res = await fetch(new URL(href as string, sbx.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('hello file');
  });

  test('launch form: typed inputs with validation messages, then a new execution', async () => {
    await open(url(`projects/${P}/domains/${D}/workflows`));
    await page.click('tr[data-entity="examples.basic_workflow.my_wf"] button');
    await page.waitForSelector('dialog.launch #in-a');
    await page.fill('#in-a', 'abc');
    await page.locator('#in-a').blur();
    await page.waitForSelector('#err-a:has-text("expected an integer")');
    expect(await page.locator('#in-a').getAttribute('aria-invalid')).toBe('true');
    await page.click('dialog.launch button[type="submit"]');
    await page.waitForSelector('#err-b:has-text("b is required")');
    await shot('launch-form', true);
    await page.fill('#in-a', '7');
    await page.fill('#in-b', 'x');
    await page.click('dialog.launch button[type="submit"]');
    await page.waitForURL(/\/executions\/[a-z0-9-]+$/);
    await waitPhase('.exec-head .badge', 'SUCCEEDED');
    await page.click('#exec-tab-io');
    await page.waitForSelector('.io tr[data-name="o1"]');
    expect(await page.locator('.io tr[data-name="o0"] td').innerText()).toBe('9');
    expect(await page.locator('.io tr[data-name="o1"] td').innerText()).toBe('"xworld"');
  });

  test('terminate a running execution, relaunch a finished one (by the console), recover the aborted one', async () => {
    const run = sbx.run(chattyFile, 'chatty_wf', ['--n', '200', '--pause_ms', '500'], ['--name', 'console-stop']);
    done.push(run);
    await open(execUrl('console-stop'));
    await waitPhase('.gnode[data-node="n0"]', 'RUNNING', 60_000);
    await page.click('.exec-head button:has-text("Terminate")');
    await page.fill('#confirm-cause', 'stopped by the console test');
    await page.click('dialog.confirm button[type="submit"]');
    await waitPhase('.exec-head .badge', 'ABORTED', 60_000);
    expect(await page.locator('.exec-head .facts').innerText()).toContain('stopped by the console test');
    expect(await page.locator('.exec-head button:has-text("Terminate")').count()).toBe(0);

    await open(execUrl('console-basic'));
    await page.click('.exec-head button:has-text("Relaunch")');
    await page.waitForURL((u) => /\/executions\/[a-z0-9-]+$/.test(u.pathname) && !u.pathname.endsWith('/console-basic'));
    await waitPhase('.exec-head .badge', 'SUCCEEDED');
    // Who relaunched it: the console, not the CLI that launched the original.
    expect(await page.locator('.exec-head .facts').innerText()).toContain('console (relaunch)');
    // A succeeded execution has nothing to recover; the aborted one does (Flyte's RecoverExecution).
    expect(await page.locator('.exec-head button:has-text("Recover")').count()).toBe(0);
    await open(execUrl('console-stop'));
    await page.click('.exec-head button:has-text("Recover")');
    await page.waitForURL((u) => /\/executions\/[a-z0-9-]+$/.test(u.pathname) && !u.pathname.endsWith('/console-stop'));
    await page.waitForFunction(() => document.querySelector('.exec-head .facts')?.textContent?.includes('console (recovered)'));
    const recovered = new URL(page.url()).pathname.split('/').pop() ?? '';
    const stop = await fetch(`${sbx.url}/api/v1/executions/${P}/${D}/${recovered}`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cause: 'test done' }) });
    expect(stop.status).toBe(200);
  });

  test('keyboard: tab to a node, Enter opens its panel, arrow keys switch tabs, Escape closes', async () => {
    await open(execUrl('console-basic'));
    await waitPhase('.gnode[data-node="n0"]', 'SUCCEEDED');
    await page.locator('.gnode[data-node="n0"] .gnode-head').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('aside.panel[data-node="n0"]');
    await page.locator('#node-tab-overview').focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector('#node-tab-io[aria-selected="true"]');
    // Focus follows on the next animation frame, after the tab list is drawn again.
    await page.waitForFunction(() => document.activeElement?.id === 'node-tab-io', undefined, { timeout: 10_000 }).catch(() => undefined);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('node-tab-io');
    await page.keyboard.press('Escape');
    await page.waitForSelector('aside.panel', { state: 'detached' });
    // Focus returns to the node (waited for: a live refresh may redraw the graph meanwhile).
    await page.waitForFunction(() => document.activeElement?.closest('.gnode')?.getAttribute('data-node') === 'n0', undefined, { timeout: 10_000 });
    expect(await page.evaluate(() => document.activeElement?.closest('.gnode')?.getAttribute('data-node'))).toBe('n0');
    // "/" focuses the list's name filter.
    await open(url(`projects/${P}/domains/${D}/executions`));
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-name');
  });

  test('dark mode at a laptop width: readable and without horizontal scrolling', async () => {
    // The list after every run above: all kinds of phases (for the tour).
    await open(url(`projects/${P}/domains/${D}/executions`));
    await page.waitForSelector('tr[data-phase="ABORTED"]');
    await shot('list', true);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 1280, height: 720 });
    try {
      await open(execUrl('console-dynamic', '?node=n0-0-dn18'));
      await waitPhase('.gnode[data-node="n0"]', 'SUCCEEDED');
      const colors = await page.evaluate(() => {
        const body = getComputedStyle(document.body);
        return { bg: body.backgroundColor, fg: body.color, scroll: document.documentElement.scrollWidth, width: window.innerWidth };
      });
      expect(colors.scroll).toBeLessThanOrEqual(colors.width);
      const lum = (c: string): number => {
        const [r = 0, g = 0, b = 0] = (c.match(/\d+(\.\d+)?/g) ?? []).map(Number);
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      expect(lum(colors.bg)).toBeLessThan(60);
      expect(lum(colors.fg)).toBeGreaterThan(180);
      await shot('dark-laptop', true);
      await page.setViewportSize({ width: 900, height: 800 });
      await open(url(`projects/${P}/domains/${D}/executions`));
      await page.waitForSelector('tr.exec-row');
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await shot('narrow-list');
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
      await page.setViewportSize({ width: 1366, height: 860 });
    }
  });
});
