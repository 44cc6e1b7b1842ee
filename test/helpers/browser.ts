import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`; .ci/run installs it when missing). */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * A headless chromium, driven by playwright-core (which downloads no browser of its own).
 * Fails, naming the package, when the browser is not installed: the page's tests must not
 * pass by being skipped.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no browser at ${CHROMIUM}: install Debian's chromium package (apt-get install -y --no-install-recommends chromium), as .ci/run does, or set CHROMIUM_PATH`,
    );
  }
  // No sandbox: CI runs as root in a container, where chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}
