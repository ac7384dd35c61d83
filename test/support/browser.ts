// Debian's chromium, driven headless through playwright-core (bundled browsers cannot be downloaded here).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { ensureHostPackages, testPackages } from '../../harness/setup/host-packages.ts';

export const chromiumPath = '/usr/bin/chromium';

/** Open a page in a fresh headless chromium, hand it to `use`, and close the browser on every path. */
export async function withPage<T>(use: (page: Page) => Promise<T>): Promise<T> {
  await ensureHostPackages(testPackages);
  const profile = await mkdtemp(path.join(tmpdir(), 'luo-harness-chromium-'));
  // A persistent context is how playwright takes a user data dir: a fresh one per page, removed after.
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
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
  try {
    return await use(await browser.newPage());
  } finally {
    await browser.close();
    await rm(profile, { recursive: true, force: true });
  }
}
