// The browser-test harness: code-server with the extension installed, headless Chromium on its workbench,
// and helpers that find the parts of the workbench the tests click and read.
import * as fs from 'fs';
import * as path from 'path';
import type { Locator, Page } from 'playwright-core';
import { BrowserSession, openWorkbench, saveScreenshot } from '../runner/browser';
import { CodeServer, lockSession, outputRoot, repoRoot, startCodeServer } from '../runner/codeServer';
import { prepareWorkspace } from '../runner/workspace';

export const screenshotDir = path.join(outputRoot, 'screenshots');

export interface Workbench {
  page: Page;
  server: CodeServer;
  browser: BrowserSession;
  workspaceDir: string;
  close(): Promise<void>;
}

/**
 * Starts code-server with this repository installed as an extension (a link named publisher.name-version
 * in --extensions-dir, which code-server loads like an installed extension) and opens the workbench on a
 * fresh copy of the test workspace. Workspace trust is off, so every command is allowed.
 */
export async function openTestWorkbench(name: string): Promise<Workbench> {
  const sessionDir = path.join(outputRoot, name);
  const unlock = await lockSession(sessionDir);
  let server: CodeServer;
  let workspaceDir: string;
  try {
    workspaceDir = prepareWorkspace(path.join(outputRoot, `${name}-workspace`));
    server = await startCodeServer({ sessionDir, workspaceDir, workspaceTrust: false });
  } catch (error) {
    unlock();
    throw error;
  }

  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  fs.symlinkSync(repoRoot, path.join(sessionDir, 'extensions', `${manifest.publisher}.${manifest.name}-${manifest.version}`));

  let browser: BrowserSession | undefined;
  try {
    browser = await openWorkbench(server.workbenchUrl(workspaceDir));
    await browser.page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
  } catch (error) {
    await browser?.close();
    await server.stop();
    unlock();
    throw error;
  }

  const opened = browser;
  return {
    page: opened.page,
    server,
    browser: opened,
    workspaceDir,
    close: async () => {
      fs.writeFileSync(path.join(sessionDir, 'browser-console.log'), opened.consoleLines.join('\n'));
      await opened.close();
      await server.stop();
      unlock();
    },
  };
}

/** Runs a command by its title from the command palette (F1), e.g. "Training Backups: Start Demo". */
export async function runFromCommandPalette(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await row.click();
}

/** Returns the status bar entry with id trainingBackups.status (VS Code prefixes the extension id). */
export function statusBarItem(page: Page): Locator {
  return page.locator('.part.statusbar [id$="trainingBackups.status"]');
}

export async function statusBarText(page: Page): Promise<string> {
  const item = statusBarItem(page);
  if ((await item.count()) === 0 || !(await item.isVisible())) {
    return '';
  }
  return (await item.innerText()).trim();
}

export interface TreeRow {
  level: number;
  text: string;
  locator: Locator;
}

/** Returns the visible rows of the sidebar's tree, top to bottom, with their nesting level (1 = top). */
export async function treeRows(page: Page): Promise<TreeRow[]> {
  const rows = page.locator('.part.sidebar .monaco-list-rows .monaco-list-row');
  const result: TreeRow[] = [];
  const count = await rows.count();
  for (let index = 0; index < count; index++) {
    const row = rows.nth(index);
    result.push({
      level: Number(await row.getAttribute('aria-level')),
      text: (await row.innerText()).replace(/\s+/g, ' ').trim(),
      locator: row,
    });
  }
  // The list renders rows in DOM order that may differ from screen order after scrolling, so sort by position.
  const tops = await Promise.all(result.map((row) => row.locator.evaluate((element) => element.getBoundingClientRect().top)));
  return result.map((row, index) => ({ row, top: tops[index] })).sort((a, b) => a.top - b.top).map(({ row }) => row);
}

/** Returns the rows nested under the first group row whose text starts with `groupLabel` ("Backups"). */
export async function rowsUnderGroup(page: Page, groupLabel: string): Promise<TreeRow[]> {
  const rows = await treeRows(page);
  const groupIndex = rows.findIndex((row) => row.text.startsWith(groupLabel));
  if (groupIndex < 0) {
    return [];
  }
  const groupLevel = rows[groupIndex].level;
  const children: TreeRow[] = [];
  for (const row of rows.slice(groupIndex + 1)) {
    if (row.level <= groupLevel) {
      break;
    }
    if (row.level === groupLevel + 1) {
      children.push(row);
    }
  }
  return children;
}

/** Polls `read` every 250 ms until `accept` returns true for its value; throws with the last value after `timeoutMs`. */
export async function waitForValue<T>(description: string, read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!accept(last)) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${description}; last value: ${JSON.stringify(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    last = await read();
  }
  return last;
}

/** Saves a PNG of one part of the workbench under .test-output/screenshots and returns its path. */
export async function screenshotPart(page: Page, selector: string, name: string): Promise<string> {
  const file = path.join(screenshotDir, `${name}.png`);
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.locator(selector).first().screenshot({ path: file, timeout: 15_000 });
  return file;
}

export { saveScreenshot };
