// Headless Chromium for the e2e tests and screenshots: Debian's /usr/bin/chromium
// (override with CHROMIUM_PATH), a fresh profile per launch, self-signed
// certificates accepted.
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {chromium} from 'playwright-core';

export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'tessera-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    ignoreHTTPSErrors: true,
    acceptDownloads: true,
    viewport: {width: 1440, height: 900},
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const close = async () => {
    await context.close().catch(() => {});
    rmSync(profile, {recursive: true, force: true});
  };
  return {context, close};
}

// Collects console errors and failed page scripts so a test can assert none happened.
export function watchPageErrors(page) {
  const errors = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') {
      errors.push(`console: ${message.text()} (${message.location()?.url ?? ''})`);
    }
  });
  return errors;
}
