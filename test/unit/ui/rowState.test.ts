import * as assert from 'node:assert/strict';
import type { FolderInfo } from '../../../src/core';
import { folderContextValue, folderState, protectedAmong } from '../../../src/ui/rowState';
import { readJson } from './sourceStrings';

type RowInfo = Pick<FolderInfo, 'kind' | 'pinned' | 'format' | 'complete'>;
const ours: RowInfo = { kind: 'backup', pinned: false, format: 'ours', complete: true };

describe('folderState', () => {
  it('trusts a complete manifest', () => {
    assert.equal(folderState(ours, undefined), 'ok');
  });

  it('marks a missing manifest incomplete', () => {
    assert.equal(folderState({ ...ours, complete: false }, undefined), 'incomplete');
  });

  it('marks HuggingFace folders unverified', () => {
    assert.equal(folderState({ ...ours, format: 'huggingface', complete: false }, undefined), 'unverified');
    assert.equal(folderState({ ...ours, format: 'unknown', complete: false }, undefined), 'unverified');
  });

  it('lets verification win', () => {
    assert.equal(folderState(ours, { state: 'corrupt', file: 'weights.bin', reason: 'sha256 mismatch' }), 'corrupt');
    assert.equal(folderState({ ...ours, complete: false }, { state: 'ok' }), 'ok');
    assert.equal(folderState(ours, { state: 'incomplete', reason: 'weights.bin is missing' }), 'incomplete');
  });
});

describe('folderContextValue', () => {
  const cases: Array<[string, RowInfo, Parameters<typeof folderContextValue>[1], boolean, string]> = [
    ['plain backup', ours, 'ok', false, 'backup.ok'],
    ['pinned backup', { ...ours, pinned: true }, 'ok', false, 'backup.ok.pinned'],
    ['corrupt backup', ours, 'corrupt', false, 'backup.corrupt'],
    ['best checkpoint', { ...ours, kind: 'checkpoint' }, 'ok', true, 'checkpoint.ok.best'],
    ['pinned best checkpoint', { ...ours, kind: 'checkpoint', pinned: true }, 'ok', true, 'checkpoint.ok.pinned.best'],
    ['HuggingFace checkpoint', { ...ours, kind: 'checkpoint', format: 'huggingface' }, 'unverified', false, 'checkpoint.unverified.readonly'],
  ];
  for (const [name, info, state, best, expected] of cases) {
    it(name, () => {
      assert.equal(folderContextValue(info, state, best), expected);
    });
  }

  it('selects the right menu items', () => {
    const rows: Array<[string, string, string[]]> = [
      ['ok backup', folderContextValue(ours, 'ok', false), ['restoreBackup', 'verify', 'pin', 'revealInExplorer', 'copyPath', 'delete']],
      ['pinned backup', folderContextValue({ ...ours, pinned: true }, 'ok', false), ['restoreBackup', 'verify', 'unpin', 'revealInExplorer', 'copyPath', 'delete']],
      ['corrupt backup', folderContextValue(ours, 'corrupt', false), ['verify', 'pin', 'revealInExplorer', 'copyPath', 'delete']],
      ['ok checkpoint', folderContextValue({ ...ours, kind: 'checkpoint' }, 'ok', true), ['resumeFromCheckpoint', 'verify', 'pin', 'revealInExplorer', 'copyPath', 'delete']],
      ['superseded pinned backup', folderContextValue({ ...ours, pinned: true }, 'ok', false, true), ['verify', 'revealInExplorer', 'copyPath']],
      ['superseded best checkpoint', folderContextValue({ ...ours, kind: 'checkpoint' }, 'ok', true, true), ['verify', 'revealInExplorer', 'copyPath']],
      ['HuggingFace checkpoint', folderContextValue({ ...ours, kind: 'checkpoint', format: 'huggingface' }, 'unverified', false), ['verify', 'revealInExplorer', 'copyPath']],
      ['idle run', 'run.idle', ['startTraining', 'resumeFromCheckpoint', 'restartTraining', 'openLossChart', 'verify']],
      ['training run', 'run.training', ['stopTraining', 'restartTraining', 'openLossChart', 'verify']],
      ['HuggingFace run', 'run.idle.readonly', []],
    ];
    for (const [name, contextValue, expected] of rows) {
      assert.deepEqual(contextMenuCommands(contextValue), expected.sort(), `context menu of the ${name} row (${contextValue})`);
    }
  });
});

describe('protectedAmong', () => {
  const moved = [
    { name: 'checkpoint-150', path: '/run/output/checkpoint-150', pinned: true },
    { name: 'checkpoint-200', path: '/run/output/checkpoint-200', pinned: false },
    { name: 'model_backup_step-150', path: '/run/backups/model_backup_step-150', pinned: true },
  ];

  it('names pinned and best folders', () => {
    const result = protectedAmong(moved, '/run/output/checkpoint-200');
    assert.deepEqual(result.pinned, ['checkpoint-150', 'model_backup_step-150']);
    assert.equal(result.best, 'checkpoint-200');
  });

  it('ignores a best checkpoint that stays', () => {
    assert.equal(protectedAmong(moved, '/run/output/checkpoint-100').best, undefined);
    assert.equal(protectedAmong(moved, undefined).best, undefined);
  });

  it('returns nothing for unpinned folders', () => {
    assert.deepEqual(protectedAmong([moved[1]], undefined), { pinned: [], best: undefined });
  });
});

/**
 * Lists the commands of package.json's view/item/context menu for a row of the runs view, short ids sorted.
 * It evaluates the when-clause forms that the manifest uses, and fails on any other form.
 */
function contextMenuCommands(contextValue: string): string[] {
  const items = (readJson('package.json') as any).contributes.menus['view/item/context'] as Array<{ command: string; when: string }>;
  const commands = new Set<string>();
  for (const item of items) {
    if (item.when.split('&&').every((term) => evaluateTerm(term.trim(), contextValue))) {
      commands.add(item.command.replace(/^trainingBackups\./, ''));
    }
  }
  return [...commands].sort();
}

function evaluateTerm(term: string, contextValue: string): boolean {
  if (term === 'view == trainingBackups.runs') {
    return true;
  }
  const negated = /^!\((.*)\)$/.exec(term);
  if (negated) {
    return !evaluateTerm(negated[1], contextValue);
  }
  const equals = /^viewItem == (\S+)$/.exec(term);
  if (equals) {
    return contextValue === equals[1];
  }
  const matches = /^viewItem =~ \/(.*)\/$/.exec(term);
  if (matches) {
    return new RegExp(matches[1]).test(contextValue);
  }
  throw new Error(`The test cannot evaluate the when-clause term "${term}"; extend evaluateTerm`);
}
