/**
 * The console served by the single binary (its files embedded at build time) in front of a
 * Docker sandbox: a workflow whose tasks ran in containers shows its graph, phases and data.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../support/cli.ts';
import { openConsolePage } from '../support/console-page.ts';
import { dockerSandboxAvailable, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const CHROMIUM = '/usr/bin/chromium';

function chromiumAvailable(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing in CI: .ci/run must install chromium (scripts/ci/install-chromium.sh)`);
  console.warn(`skipping the console browser test on Docker: ${CHROMIUM} is missing (apt-get install chromium)`);
  return false;
}
const available = chromiumAvailable() && (await dockerSandboxAvailable());

describe.skipIf(!available)('web console from the binary, Docker launcher', () => {
  let sbx: TestSandbox;
  let ctx: BrowserContext;
  let page: Page;
  let userDir: string;

  beforeAll(async () => {
    sbx = await startTestSandbox({ launcher: 'docker', name: 'console-docker' });
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-chromium-'));
    ctx = await chromium.launchPersistentContext(userDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1366, height: 860 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.setDefaultTimeout(30_000);
  });

  afterAll(async () => {
    await ctx?.close();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
    await sbx?.destroy();
  });

  test('basic_workflow my_wf run in containers: the embedded console shows its graph and outputs', async () => {
    const r = await sbx.run('examples/basic_workflow.ts', 'my_wf', ['--a', '50', '--b', 'hello'], ['--name', 'console-docker']);
    expect(r.phase).toBe('SUCCEEDED');
    // The page comes from the binary: the same bytes as the sources it was built from.
    const served = await (await fetch(`${sbx.url}/console/js/graph.js`)).text();
    expect(served, 'the binary embeds an older console than src/console/public: rebuild it (npm run build)').toBe(fs.readFileSync(path.join(ROOT, 'src/console/public/js/graph.js'), 'utf8'));

    for (let i = 0; ; i++) {
      await openConsolePage(page, `${sbx.url}/console/projects/flytesnacks/domains/development/executions/console-docker`);
      try {
        await page.waitForSelector('.gnode[data-node="n1"][data-phase="SUCCEEDED"]', { timeout: 15_000 });
        break;
      } catch (e) {
        if (i >= 2) throw e;
      }
    }
    expect(await page.locator('.gnode[data-node="n0"]').getAttribute('data-phase')).toBe('SUCCEEDED');
    await page.click('#exec-tab-io');
    await page.waitForSelector('.io tr[data-name="o1"]');
    expect(await page.locator('.io tr[data-name="o1"] td').innerText()).toBe('"helloworld"');
    fs.mkdirSync(path.join(ROOT, 'test/e2e/screenshots'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'test/e2e/screenshots/docker-io.png') });
  });
});
