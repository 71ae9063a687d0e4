import { ChildProcess, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ChildLaunch, ChildMessage, isChildMessage, ParentCommand } from '../protocol';
import { Disposable } from './lifecycle';
import { Log } from './log';
import { Run } from './runConfig';

/** Time a stopping child gets to save its checkpoint before deactivation kills it, in milliseconds. */
const stopGraceOnDeactivateMs = 3000;

/** One point of the loss curve. */
export interface LossPoint {
  step: number;
  loss?: number;
  /** Evaluation metrics reported at this step. */
  metrics?: Record<string, number>;
}

export type SessionState = 'starting' | 'training' | 'stopping' | 'exited';

/** One training child process and what it has reported so far. */
export class TrainingSession {
  state: SessionState = 'starting';
  started?: Extract<ChildMessage, { type: 'started' }>;
  lastProgress?: Extract<ChildMessage, { type: 'progress' }>;
  finished?: Extract<ChildMessage, { type: 'finished' }>;
  /** Last fatal error message, when the run failed. */
  failure?: string;
  exitCode?: number | null;
  readonly points: LossPoint[] = [];
  readonly saved: Array<{ kind: 'checkpoint' | 'backup'; step: number; path: string }> = [];
  /** Resolves with the exit code (null when killed by a signal) when the child process exits. */
  readonly exited: Promise<number | null>;
  private resolveExited!: (code: number | null) => void;

  constructor(readonly run: Run, readonly launch: ChildLaunch, readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
  }

  get isActive(): boolean {
    return this.state !== 'exited';
  }

  /** Records what a message from the child reports: progress, saves, failures and the end of the run. */
  record(message: ChildMessage): void {
    switch (message.type) {
      case 'started':
        this.started = message;
        this.state = this.state === 'stopping' ? 'stopping' : 'training';
        break;
      case 'progress':
        this.lastProgress = message;
        this.points.push({ step: message.step, loss: message.loss });
        break;
      case 'evaluation':
        this.points.push({ step: message.step, metrics: message.metrics });
        break;
      case 'saved':
        this.saved.push({ kind: message.kind, step: message.step, path: message.path });
        break;
      case 'error':
        if (message.fatal) {
          this.failure = message.message;
        }
        break;
      case 'finished':
        this.finished = message;
        if ((message.failedSaves ?? 0) > 0 && this.failure === undefined) {
          this.failure = vscode.l10n.t(
            'Training ended at step {0}, but {1} checkpoint save(s) failed. See the log for the errors.',
            message.step,
            message.failedSaves ?? 0,
          );
        }
        break;
    }
  }

  markExited(code: number | null): void {
    this.state = 'exited';
    this.exitCode = code;
    if (code !== 0 && this.failure === undefined && this.finished === undefined) {
      this.failure = vscode.l10n.t('The training process exited with code {0}.', String(code));
    }
    this.resolveExited(code);
  }
}

/**
 * Starts, stops and tracks the training child processes, at most one per run. Each child is forked from
 * dist/trainer.js with a ChildLaunch as JSON in argv[2]. Deactivation stops every child.
 */
export class SessionManager extends Disposable {
  private readonly sessions = new Map<string, TrainingSession>();
  private readonly changeEmitter = this._register(new vscode.EventEmitter<TrainingSession>());
  private readonly messageEmitter = this._register(new vscode.EventEmitter<{ session: TrainingSession; message: ChildMessage }>());
  /** Fires when a session starts, changes state or exits. */
  readonly onDidChangeSession = this.changeEmitter.event;
  /** Fires for every message a child sends, after the session has recorded it. */
  readonly onDidReceiveMessage = this.messageEmitter.event;

  /** Whether the workspace is trusted; replaceable so that tests can drive the trust check. */
  isTrusted: () => boolean = () => vscode.workspace.isTrusted;

  constructor(
    private readonly trainerPath: string,
    private readonly log: Log,
    private readonly l10nBundle: () => string | undefined,
  ) {
    super();
    this._register({ dispose: () => this.killAll() });
  }

  /** Returns the last session of `run`, also when it has exited. */
  get(run: Run): TrainingSession | undefined {
    return this.sessions.get(run.id);
  }

  active(): TrainingSession[] {
    return [...this.sessions.values()].filter((session) => session.isActive);
  }

  isTraining(run: Run): boolean {
    return this.sessions.get(run.id)?.isActive ?? false;
  }

  /** Returns the reason `run` cannot start training now, or undefined when it can. */
  whyNotStart(run: Run): string | undefined {
    if (!this.isTrusted()) {
      return vscode.l10n.t('Training runs code from the workspace, so it needs a trusted workspace. Trust this workspace to start training.');
    }
    if (run.configPath === undefined) {
      return vscode.l10n.t('{0} is a HuggingFace output folder, so it can only be browsed here. Train it with its own script.', run.name);
    }
    if (run.configError !== undefined) {
      return vscode.l10n.t('{0} is invalid: {1}. Fix the file and try again.', run.configPath, run.configError);
    }
    const busy = this.active().find((session) => samePath(session.run.outputDir, run.outputDir) || samePath(session.run.backupDir, run.backupDir));
    if (busy !== undefined) {
      return vscode.l10n.t('{0} is already training into {1}. Stop it first.', busy.run.name, busy.run.outputDir);
    }
    return undefined;
  }

  /** Forks a training process for `run`; throws an Error with the reason when it may not start. */
  start(run: Run, mode: ChildLaunch['mode'], from?: string): TrainingSession {
    const reason = this.whyNotStart(run);
    if (reason !== undefined) {
      throw new Error(reason);
    }
    if (!fs.existsSync(this.trainerPath)) {
      throw new Error(vscode.l10n.t('The training process {0} is missing. Build the extension with "npm run build" and reload the window.', this.trainerPath));
    }
    const settings = vscode.workspace.getConfiguration('trainingBackups');
    const launch: ChildLaunch = {
      mode,
      configPath: run.configPath!,
      from,
      backend: settings.get<ChildLaunch['backend']>('backend', 'auto'),
      l10nBundle: this.l10nBundle(),
      configDefaults: configDefaultsFrom(settings),
    };
    this.log.info('Sessions', `Starting ${mode} of ${run.name} (${run.configPath})${from ? ` from ${from}` : ''}`);
    const child = fork(this.trainerPath, [JSON.stringify(launch)], {
      cwd: path.dirname(run.configPath!),
      silent: true,
      // The extension host may be Electron; this makes its binary behave as plain Node.js in the child.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    const session = new TrainingSession(run, launch, child);
    this.sessions.set(run.id, session);
    this.attach(session);
    this.changeEmitter.fire(session);
    return session;
  }

  /**
   * Stops the run's training. The first call sends `stop`, so the child finishes the step, saves a checkpoint
   * and exits 0. A second call kills the process. Returns which of the two happened.
   */
  stop(run: Run): 'stopping' | 'killed' | 'notRunning' {
    const session = this.sessions.get(run.id);
    if (session === undefined || !session.isActive) {
      return 'notRunning';
    }
    if (session.state === 'stopping') {
      this.log.warn('Sessions', `Killing ${run.name} (pid ${session.child.pid}) on the second stop request`);
      session.child.kill('SIGKILL');
      return 'killed';
    }
    session.state = 'stopping';
    this.send(session, { type: 'stop' });
    this.changeEmitter.fire(session);
    return 'stopping';
  }

  private send(session: TrainingSession, command: ParentCommand): void {
    if (session.child.connected) {
      session.child.send(command);
    }
  }

  private attach(session: TrainingSession): void {
    const { child, run } = session;
    child.on('message', (value: unknown) => {
      if (!isChildMessage(value)) {
        this.log.warn('Sessions', `${run.name}: ignored a message that is not a ChildMessage`);
        return;
      }
      session.record(value);
      this.logMessage(session, value);
      this.messageEmitter.fire({ session, message: value });
      if (value.type === 'started') {
        this.changeEmitter.fire(session);
      }
    });
    child.stdout?.on('data', (data: Buffer) => this.logOutput(run, 'stdout', data));
    child.stderr?.on('data', (data: Buffer) => this.logOutput(run, 'stderr', data));
    child.on('error', (error) => {
      this.log.error('Sessions', `${run.name}: the training process failed`, error);
      session.failure ??= error.message;
      // A process that never started sends no exit event, so the session ends here.
      if (child.pid === undefined && session.isActive) {
        session.markExited(null);
        this.changeEmitter.fire(session);
      }
    });
    child.on('exit', (code, signal) => {
      this.log.info('Sessions', `${run.name}: the training process (pid ${child.pid}) exited with ${signal ?? `code ${code}`}`);
      session.markExited(code);
      this.changeEmitter.fire(session);
    });
  }

  private logMessage(session: TrainingSession, message: ChildMessage): void {
    const name = session.run.name;
    switch (message.type) {
      case 'log':
        this.log.channel[message.level](`[${message.component}] ${name}: ${message.message}`);
        break;
      case 'started':
        this.log.info('Sessions', `${name}: training on ${message.backend}, steps ${message.startStep} to ${message.totalSteps}`);
        for (const skipped of message.skippedBackends) {
          this.log.info('Sessions', `${name}: ${skipped}`);
        }
        break;
      case 'saved':
        this.log.info('Sessions', `${name}: saved ${message.kind} step ${message.step} to ${message.path}`);
        break;
      case 'rotated':
        this.log.info('Sessions', `${name}: rotation deleted ${message.deleted.join(', ') || 'nothing'}`);
        break;
      case 'warning':
        this.log.warn('Sessions', `${name}: ${message.message}`);
        break;
      case 'error':
        this.log.error('Sessions', `${name}: ${message.message}`);
        break;
      case 'finished':
        this.log.info('Sessions', `${name}: ${message.reason} at step ${message.step}`);
        break;
      case 'progress':
      case 'evaluation':
        this.log.trace('Sessions', `${name}: ${JSON.stringify(message)}`);
        break;
    }
  }

  private logOutput(run: Run, stream: 'stdout' | 'stderr', data: Buffer): void {
    for (const line of data.toString('utf8').split(/\r?\n/)) {
      if (line.trim() !== '') {
        this.log.debug('Trainer', `${run.name} ${stream}: ${line}`);
      }
    }
  }

  /** Asks every child to stop, and kills those still running after a short grace period. */
  private killAll(): void {
    for (const session of this.active()) {
      this.send(session, { type: 'stop' });
      const timer = setTimeout(() => session.child.kill('SIGKILL'), stopGraceOnDeactivateMs);
      timer.unref();
      void session.exited.then(() => clearTimeout(timer));
    }
  }
}

/** Collects the settings that fill in keys training.json leaves out, skipping unset settings. */
function configDefaultsFrom(settings: vscode.WorkspaceConfiguration): ChildLaunch['configDefaults'] {
  const defaults: NonNullable<ChildLaunch['configDefaults']> = {};
  const backupDir = settings.get<string>('defaultBackupFolder', '').trim();
  if (backupDir !== '') {
    defaults.backupDir = backupDir;
  }
  for (const key of ['saveTotalLimit', 'totalBackupLimit'] as const) {
    const value = settings.get<number | null>(key, null);
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
      defaults[key] = value;
    }
  }
  return defaults;
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}
