// Starts headless Debian Chromium through playwright-core for the workbench that code-server serves.
// playwright's own browser download is never used: the executable comes from the Debian package.
import * as fs from 'fs';
import * as path from 'path';
import { Browser, chromium, Page } from 'playwright-core';

export const chromiumPath = process.env.TRAINING_BACKUPS_CHROMIUM ?? '/usr/bin/chromium';

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Every host name except the local server resolves to nothing, so the page cannot reach the internet.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

export interface BrowserSession {
  browser: Browser;
  page: Page;
  /** Console lines of the page, which include the extension host's console output. */
  consoleLines: string[];
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile and opens one page at `url`. */
export async function openWorkbench(url: string, viewport = { width: 1400, height: 900 }): Promise<BrowserSession> {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}. Install it with: sudo apt-get install -y chromium`);
  }
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const consoleLines: string[] = [];
  page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.message}`));
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  return {
    browser,
    page,
    consoleLines,
    close: () => browser.close(),
  };
}

/** Saves a screenshot of the page and returns its path, or undefined when the page is already gone. */
export async function saveScreenshot(page: Page, file: string): Promise<string | undefined> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    await page.screenshot({ path: file, timeout: 15_000 });
    return file;
  } catch {
    return undefined;
  }
}
