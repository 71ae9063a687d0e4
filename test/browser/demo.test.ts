// Drives the extension the way a person does, in code-server through headless Chromium: open the sidebar,
// start the demo from the command palette, watch the status bar and the tree, restore a backup from its
// context menu, and open the loss chart. The restore moves the later checkpoint aside and saves a new one.
// Screenshots go to .test-output/screenshots/.
//
// The test workspace's examples/spam/training.json trains 150 steps with a checkpoint and a backup every
// 50 steps, so Start Demo uses it and finishes in well under a minute on 2 cores.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  openTestWorkbench,
  rowsUnderGroup,
  runFromCommandPalette,
  saveScreenshot,
  screenshotDir,
  screenshotPart,
  statusBarText,
  treeRows,
  waitForValue,
  Workbench,
} from './workbench';

const trainingTimeoutMs = 120_000;
const progressPattern = /step (\d+)\/(\d+)/;

/**
 * Returns whether the status bar shows no running training: hidden (the default "whileTraining" setting) or the
 * finished text "spam · step 150". Progress, "starting", "stopping" and the "backup step N" notice are not idle.
 */
function isIdle(text: string): boolean {
  return progressStep(text) === undefined && !/backup step|starting|stopping/.test(text);
}

function progressStep(text: string): number | undefined {
  const match = progressPattern.exec(text);
  return match ? Number(match[1]) : undefined;
}

describe('Demo in the browser', function () {
  this.timeout(trainingTimeoutMs + 60_000);
  let workbench: Workbench;

  before(async function () {
    this.timeout(120_000);
    workbench = await openTestWorkbench('browser');
  });

  // Each step builds on the one before, so after a failure the later steps fail at once instead of
  // waiting for their timeouts.
  let failedStep: string | undefined;
  beforeEach(function () {
    if (failedStep !== undefined) {
      throw new Error(`not run because "${failedStep}" failed`);
    }
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      failedStep ??= this.currentTest.title;
    }
    if (this.currentTest?.state === 'failed' && workbench) {
      const name = `failed-${this.currentTest.title.replace(/\W+/g, '-')}`;
      await saveScreenshot(workbench.page, path.join(screenshotDir, `${name}.png`));
    }
  });

  after(async () => {
    await workbench?.close();
  });

  it('opens the sidebar from the activity bar', async () => {
    const page = workbench.page;
    const button = page.locator('.part.activitybar [aria-label^="Training Backups"]').first();
    await button.waitFor({ state: 'visible', timeout: 30_000 });
    await button.click();

    const title = page.locator('.part.sidebar .composite.title');
    await waitForValue('the sidebar title', async () => (await title.innerText()).trim(), (text) => /training backups/i.test(text), 15_000);
    // The run row appears once the extension has activated and scanned the workspace for training.json.
    const topRows = await waitForValue(
      'the run row "spam" in the tree',
      async () => (await treeRows(page)).filter((row) => row.level === 1).map((row) => row.text),
      (texts) => texts.some((text) => text.startsWith('spam')),
      30_000,
    );
    assert.strictEqual(topRows.length, 1, `expected one run in the test workspace: ${topRows.join(' | ')}`);
  });

  it('starts the demo from the command palette', async () => {
    const page = workbench.page;
    await runFromCommandPalette(page, 'Training Backups: Start Demo');

    const first = await waitForValue('training progress in the status bar', () => statusBarText(page), (text) => progressStep(text) !== undefined, 60_000);
    await screenshotPart(page, '.part.statusbar', 'statusbar');
    const later = await waitForValue(
      'the status bar step to advance',
      () => statusBarText(page),
      (text) => (progressStep(text) ?? 0) > (progressStep(first) ?? 0),
      trainingTimeoutMs,
    );
    assert.ok(progressStep(later)! > progressStep(first)!, `status bar did not advance: "${first}" then "${later}"`);
    assert.match(later, /loss/, 'the progress text shows no loss');
  });

  it('lists new backup rows in the tree', async () => {
    const page = workbench.page;
    const backups = await waitForValue(
      'three backup rows (steps 50, 100 and 150)',
      async () => (await rowsUnderGroup(page, 'Backups')).map((row) => row.text),
      (texts) => [50, 100, 150].every((step) => texts.some((text) => text.startsWith(`step ${step}`))),
      trainingTimeoutMs,
    );
    assert.strictEqual(backups.length, 3, `unexpected backup rows: ${backups.join(' | ')}`);

    const checkpoints = (await rowsUnderGroup(page, 'Checkpoints')).map((row) => row.text);
    assert.ok(checkpoints.some((text) => text.startsWith('step 150')), `no checkpoint row for step 150: ${checkpoints.join(' | ')}`);

    await waitForValue('the demo to finish', () => statusBarText(page), isIdle, trainingTimeoutMs);
    await screenshotPart(page, '.part.sidebar', 'sidebar');
  });

  it('restores a backup from its context menu', async () => {
    const page = workbench.page;
    const backup = (await rowsUnderGroup(page, 'Backups')).find((row) => row.text.startsWith('step 100'));
    assert.ok(backup, 'no backup row for step 100');
    await backup.locator.click({ button: 'right' });

    const menuItem = page.locator('.context-view .monaco-menu .action-item', { hasText: 'Restore Backup' }).first();
    await menuItem.waitFor({ state: 'visible', timeout: 10_000 });
    // A click at once after the menu opened was sometimes lost and the menu stayed open.
    // Hovering first and waiting half a second made the click work in every later run.
    await menuItem.hover();
    await page.waitForTimeout(500);
    await menuItem.click();

    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 10_000 });
    const confirmation = await dialog.innerText();
    assert.match(confirmation, /backup step 100/, 'the confirmation does not name the backup step');
    assert.match(confirmation, /checkpoint-150/, 'the confirmation does not name the later checkpoint');
    assert.match(confirmation, /superseded-/, 'the confirmation does not say where later folders go');
    assert.match(confirmation, /Nothing is deleted/, 'the confirmation does not say that nothing is deleted');
    await screenshotPart(page, '.monaco-dialog-box', 'restore-confirmation');
    const outputDir = path.join(workbench.workspaceDir, 'examples', 'spam', 'output');
    const oldManifest = fs.readFileSync(path.join(outputDir, 'checkpoint-150', 'manifest.json'));
    await dialog.locator('.dialog-buttons .monaco-button', { hasText: /^Restore$/ }).click();

    // The first progress seen must already be past the backup's step: a run that started over from step 1
    // would show a small step first, because 100 steps take several seconds.
    const restored = await waitForValue('progress of the restored run', () => statusBarText(page), (text) => progressStep(text) !== undefined, 60_000);
    assert.ok(progressStep(restored)! > 100, `the restored run started at "${restored}" instead of after step 100`);
    const finished = await waitForValue('the restored run to finish', () => statusBarText(page), isIdle, trainingTimeoutMs);
    // The finished text stays for 30 s after the run. A failed checkpoint save would show "spam failed" instead.
    assert.doesNotMatch(finished, /failed/, `the restored run ended in an error state: "${finished}"`);
    assert.match(finished, /step 150/, `the restored run did not finish at step 150: "${finished}"`);

    const rows = (await treeRows(page)).map((row) => row.text);
    assert.ok(rows.some((text) => text.startsWith('step 100')), 'restoring removed the backup row for step 100');
    const checkpoints = await waitForValue(
      'one checkpoint row for step 150',
      async () => (await rowsUnderGroup(page, 'Checkpoints')).map((row) => row.text),
      (texts) => texts.filter((text) => text.startsWith('step 150')).length === 1,
      15_000,
    );
    const newest = checkpoints.find((text) => text.startsWith('step 150'))!;
    assert.doesNotMatch(newest, /corrupt|incomplete|invalid/i, `the new checkpoint row shows an error: "${newest}"`);

    // The old checkpoint-150 was moved aside unchanged and a new one was saved in its place.
    const aside = fs.readdirSync(outputDir).filter((name) => name.startsWith('superseded-'));
    assert.strictEqual(aside.length, 1, `expected one superseded folder in ${outputDir}: ${aside.join(', ')}`);
    assert.ok(fs.readFileSync(path.join(outputDir, aside[0], 'checkpoint-150', 'manifest.json')).equals(oldManifest), 'the moved checkpoint changed');
    assert.ok(!fs.readFileSync(path.join(outputDir, 'checkpoint-150', 'manifest.json')).equals(oldManifest), 'checkpoint-150 is still the old one');
    await screenshotPart(page, '.part.sidebar', 'sidebar-after-restore');
  });

  it('opens the loss chart', async () => {
    const page = workbench.page;
    await runFromCommandPalette(page, 'Training Backups: Open Loss Chart');

    // A webview is an iframe inside an iframe, and the chart draws on a canvas in the inner document.
    const canvasCount = await waitForValue(
      'a canvas in the loss chart webview',
      async () => {
        let count = 0;
        for (const frame of page.frames()) {
          count += await frame.locator('canvas').count().catch(() => 0);
        }
        return count;
      },
      (count) => count > 0,
      30_000,
    );
    assert.ok(canvasCount > 0);
    // uPlot draws after the first data message, so the screenshot waits a moment.
    await page.waitForTimeout(1_000);
    await screenshotPart(page, '.part.editor', 'loss-chart');
    await saveScreenshot(page, path.join(screenshotDir, 'workbench.png'));
  });
});
