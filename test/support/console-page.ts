/**
 * Opening a console page in the browser tests. Chromium cancels the requests in flight when the
 * machine's network interfaces change (`net::ERR_NETWORK_CHANGED`), as they do whenever Docker
 * starts or removes a container for a test running beside: a page whose script was cancelled never
 * renders. So a page whose top bar does not appear is loaded again, twice at most.
 */
import type { Page } from 'playwright-core';

/** Loads `url` in `page` and waits for the console's top bar (reloading up to twice). */
export async function openConsolePage(page: Page, url: string): Promise<void> {
  for (let i = 0; ; i++) {
    await page.goto(url);
    try {
      await page.waitForSelector('.topbar .brand', { timeout: 10_000 });
      return;
    } catch (e) {
      if (i >= 2) throw e;
    }
  }
}
