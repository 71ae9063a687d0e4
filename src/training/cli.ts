// Command line: training-backups train|resume|restore|list|verify <config> [--from DIR] [--backend NAME].
// Prints the same messages as the training child process; a progress bar on a TTY, plain lines otherwise.
import { formatBytes, listRun, listSuperseded, verifyFolder, type FolderInfo } from '../core';
import type { ChildMessage } from '../protocol';
import { backendChoices, ConfigError, loadConfig } from './config';
import { t } from './l10n';
import { messages } from './messages';
import { describeVerification, runSession } from './session';
import type { Trainer } from './trainer';

const usage = `Usage: training-backups <command> <config> [--from DIR] [--backend NAME]

Commands:
  train     start a new run from the config (training.json)
  resume    continue from the newest valid checkpoint, or from --from DIR
  restore   start from the weights of the backup --from DIR, with a fresh optimizer
  list      print the checkpoints and backups of the run
  verify    check the sha256 of every file of every checkpoint and backup

Options:
  --from DIR        checkpoint (resume) or backup (restore) folder
  --backend NAME    one of ${backendChoices.join(', ')} (default: the config's "backend")
`;

interface CliArguments {
  command: string;
  configPath: string;
  from?: string;
  backend?: (typeof backendChoices)[number];
}

function parseArguments(argv: string[]): CliArguments {
  const positional: string[] = [];
  let from: string | undefined;
  let backend: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (argument === '--from' || argument === '--backend') {
      const value = argv[++i];
      if (value === undefined) {
        throw new UsageError(`${argument} needs a value.`);
      }
      if (argument === '--from') {
        from = value;
      } else {
        backend = value;
      }
    } else if (argument === '--help' || argument === '-h') {
      throw new UsageError('');
    } else if (argument.startsWith('--')) {
      throw new UsageError(`Unknown option ${argument}.`);
    } else {
      positional.push(argument);
    }
  }
  const [command, configPath] = positional;
  if (!['train', 'resume', 'restore', 'list', 'verify'].includes(command ?? '')) {
    throw new UsageError(command ? `Unknown command "${command}".` : 'Missing command.');
  }
  if (!configPath || positional.length > 2) {
    throw new UsageError('Expected exactly one config file after the command.');
  }
  if (backend !== undefined && !(backendChoices as readonly string[]).includes(backend)) {
    throw new UsageError(`--backend ${backend} is invalid: expected one of ${backendChoices.join(', ')}.`);
  }
  return { command, configPath, from, backend: backend as CliArguments['backend'] };
}

class UsageError extends Error {}

/** Prints protocol messages: a redrawn progress line on a TTY, plain lines otherwise. */
function createPrinter(): (message: ChildMessage) => void {
  const tty = process.stdout.isTTY === true;
  let barShown = false;
  // The training code sends each error and warning twice: as an 'error' or 'warning' message and as a log line.
  // The log copy is skipped, so the terminal shows it once.
  const shownProblems = new Set<string>();
  const clearBar = () => {
    if (barShown) {
      process.stdout.write('\r\x1b[2K');
      barShown = false;
    }
  };
  return (message) => {
    switch (message.type) {
      case 'progress': {
        const text = `step ${message.step}/${message.totalSteps}  epoch ${message.epoch.toFixed(2)}  loss ${message.loss.toFixed(4)}  ${message.stepsPerSecond.toFixed(1)} steps/s  ETA ${Math.round(message.etaSeconds)} s`;
        if (tty) {
          const width = 24;
          const filled = Math.round((width * message.step) / Math.max(1, message.totalSteps));
          process.stdout.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`);
          barShown = true;
        } else {
          console.log(text);
        }
        return;
      }
      case 'log':
        if ((message.level === 'error' || message.level === 'warn') && shownProblems.has(message.message)) {
          return;
        }
        clearBar();
        (message.level === 'error' ? console.error : console.log)(`[${message.component}] ${message.message}`);
        return;
      case 'warning':
        shownProblems.add(message.message);
        clearBar();
        console.error(`warning: ${message.message}`);
        return;
      case 'error':
        shownProblems.add(message.message);
        clearBar();
        console.error(`error: ${message.message}`);
        return;
      case 'finished': {
        clearBar();
        const metrics = Object.entries(message.metrics).map(([name, value]) => `${name}=${value.toFixed(4)}`).join(' ');
        console.log(`finished (${message.reason}) at step ${message.step}${metrics ? `: ${metrics}` : ''}`);
        return;
      }
      default:
        // started, saved, rotated and evaluation are also logged as 'log' lines.
        return;
    }
  };
}

/** Returns `count` with the singular or plural form of a noun: "1 folder", "3 folders". */
function countOf(count: number, singular: string, plural: string): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

function printFolders(title: string, folders: FolderInfo[], indent = '  '): void {
  console.log(`${title}:`);
  if (folders.length === 0) {
    console.log(`${indent}(none)`);
  }
  for (const folder of folders) {
    let state = folder.complete ? 'complete' : 'incomplete';
    if (folder.verification) {
      state = folder.verification.state;
    }
    const loss = folder.loss === undefined ? '-' : folder.loss.toFixed(4);
    const name = folder.name.padEnd(30 - indent.length);
    console.log(`${indent}${name} step ${String(folder.step).padStart(7)}  loss ${loss.padStart(7)}  ${formatBytes(folder.sizeBytes).padStart(9)}  ${state}${folder.pinned ? '  pinned' : ''}`);
  }
}

/** Prints the `superseded-*` folders inside outputDir and backupDir, newest first. Prints nothing when there are none. */
async function printSuperseded(outputDir: string, backupDir: string): Promise<void> {
  for (const dir of [outputDir, backupDir]) {
    const superseded = await listSuperseded(dir);
    if (superseded.length === 0) {
      continue;
    }
    console.log(`Superseded in ${dir} (moved aside when the run restarted from an earlier step; never rotated):`);
    for (const item of superseded) {
      printFolders(`  ${item.path}`, item.folders, '    ');
    }
  }
}

async function listCommand(configPath: string): Promise<number> {
  const config = loadConfig(configPath);
  const listing = await listRun(config.outputDir, config.backupDir);
  if (listing.checkpoints.length === 0 && listing.backups.length === 0) {
    console.log(t(messages.nothingSaved, config.outputDir, config.backupDir));
  } else {
    printFolders(`Checkpoints in ${config.outputDir}`, listing.checkpoints);
    printFolders(`Backups in ${config.backupDir}`, listing.backups);
  }
  await printSuperseded(config.outputDir, config.backupDir);
  return 0;
}

async function verifyCommand(configPath: string): Promise<number> {
  const config = loadConfig(configPath);
  const listing = await listRun(config.outputDir, config.backupDir);
  const folders = [...listing.checkpoints, ...listing.backups];
  if (folders.length === 0) {
    console.log(t(messages.nothingSaved, config.outputDir, config.backupDir));
    return 0;
  }
  let failures = 0;
  for (const folder of folders) {
    const verification = await verifyFolder(folder.path);
    const problem = describeVerification(verification);
    console.log(`${folder.path}: ${problem === undefined ? 'ok' : problem}`);
    if (verification.state === 'corrupt' || verification.state === 'incomplete') {
      failures++;
    }
  }
  const total = countOf(folders.length, 'folder', 'folders');
  if (failures === 0) {
    console.log(folders.length === 1 ? `${total} verified ok.` : `All ${total} verified ok.`);
  } else {
    console.log(`${failures} of ${total} failed verification.`);
  }
  return failures === 0 ? 0 : 1;
}

async function trainCommand(args: CliArguments): Promise<number> {
  const printer = createPrinter();
  let trainer: Trainer | undefined;
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals > 1) {
      console.error(t(messages.stoppedAtOnce));
      process.exit(130);
    }
    console.error(t(messages.stopping));
    trainer?.requestStop(); // a signal during data loading is passed on in onTrainer below
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const result = await runSession({
    mode: args.command as 'train' | 'resume' | 'restore',
    configPath: args.configPath,
    from: args.from,
    backend: args.backend,
    reporter: printer,
    onTrainer: (created) => {
      trainer = created;
      if (signals > 0) {
        created.requestStop();
      }
    },
  });
  if (result.reason === 'completed') {
    await listCommand(args.configPath);
  }
  // A run whose checkpoint save failed did not leave the state it reports, so scripts must not treat it as a success.
  return result.failedSaves > 0 ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  let args: CliArguments;
  try {
    args = parseArguments(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) {
        console.error(`error: ${error.message}\n`);
      }
      console.error(usage);
      return error.message ? 2 : 0;
    }
    throw error;
  }
  try {
    if (args.command === 'list') {
      return await listCommand(args.configPath);
    }
    if (args.command === 'verify') {
      return await verifyCommand(args.configPath);
    }
    return await trainCommand(args);
  } catch (error) {
    console.error(`error: ${error instanceof ConfigError ? error.message : (error as Error).message}`);
    return 1;
  }
}

// A reader that closes the pipe early (`verify … | head`) is not an error, so the CLI exits quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      process.exit(0);
    }
    throw error;
  });
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
