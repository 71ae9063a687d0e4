// The folders of a run, worked out from its training.json and the extension settings.
// This file must not import vscode, so the unit tests can load it in plain Node.
import * as path from 'node:path';

/** One run shown in the sidebar: a training.json file, or a HuggingFace output folder from the settings. */
export interface Run {
  /** Stable key: the config path, or the output folder for HuggingFace runs. */
  id: string;
  name: string;
  source: 'config' | 'huggingface';
  /** Absolute path of training.json; absent for HuggingFace runs, which cannot be started from here. */
  configPath?: string;
  outputDir: string;
  backupDir: string;
  /** Reason training.json could not be read. When set, the folders are the defaults. */
  configError?: string;
}

/** Extension settings that fill in values a run config leaves out. */
export interface RunDefaults {
  /** `trainingBackups.defaultBackupFolder`; empty for none. */
  backupFolder: string;
}

/** Folders shown when training.json sets none. The trainer rejects such a config, and the run row shows its error. */
export const defaultOutputFolder = 'output';
export const defaultBackupFolder = 'backups';

/**
 * Builds the run of a parsed training.json, named after the folder that contains it. Relative folders resolve
 * against the folder of training.json; a relative `trainingBackups.defaultBackupFolder` does too.
 */
export function runFromConfig(configPath: string, config: unknown, defaults: RunDefaults): Run {
  const configDir = path.dirname(configPath);
  const fields = typeof config === 'object' && config !== null && !Array.isArray(config)
    ? config as Record<string, unknown>
    : {};
  const name = path.basename(configDir);
  const outputDir = path.resolve(configDir, stringField(fields, 'outputDir') ?? defaultOutputFolder);
  const backupSetting = defaults.backupFolder.trim();
  const backupDir = path.resolve(configDir, stringField(fields, 'backupDir') ?? (backupSetting || defaultBackupFolder));
  return { id: configPath, name, source: 'config', configPath, outputDir, backupDir };
}

/** Builds the read-only run of a HuggingFace output folder; its backups are looked for in the same folder. */
export function runFromOutputFolder(folder: string, workspaceRoot: string | undefined): Run {
  const outputDir = workspaceRoot === undefined ? path.resolve(folder) : path.resolve(workspaceRoot, folder);
  return { id: outputDir, name: path.basename(outputDir), source: 'huggingface', outputDir, backupDir: outputDir };
}

function stringField(fields: Record<string, unknown>, key: string): string | undefined {
  const value = fields[key];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
