import * as vscode from 'vscode';
import { ConfigFailure, parseConfigFailure } from './failure';
import { formatEta, formatLoss, joinParts } from './format';
import { Disposable } from './lifecycle';
import { Log } from './log';
import { Run } from './runConfig';
import { SessionManager, TrainingSession } from './sessions';

/** How long the "RUN · backup step N" notice stays after a save, in milliseconds. */
const saveNoticeMs = 4000;
/** How long the result of a finished run stays when the item is shown only while training, in milliseconds. */
const finishedNoticeMs = 30_000;

type StatusBarSetting = 'always' | 'whileTraining' | 'hidden';

/**
 * The status bar item: progress while training (click opens the loss chart), a short notice after each
 * backup, an error state after a failure (click opens the log), and idle text or nothing otherwise.
 */
export class StatusBarController extends Disposable {
  readonly item: vscode.StatusBarItem;
  private noticeTimer: NodeJS.Timeout | undefined;
  private finishedTimer: NodeJS.Timeout | undefined;
  /** Set while the result of the last finished run is shown after it exited. */
  private showFinished = false;
  private notice: string | undefined;
  /** The session whose progress the item displays: the most recently active one. */
  private displayedSession: TrainingSession | undefined;
  /** Set when a run failed and the log was not opened since. */
  private failure: { runName: string; message: string } | undefined;

  constructor(private readonly sessions: SessionManager, private readonly log?: Log) {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('trainingBackups.status', vscode.StatusBarAlignment.Left, 10));
    this.item.name = vscode.l10n.t('Training Backups');
    this._register(sessions.onDidChangeSession((session) => this.onSessionChanged(session)));
    this._register(sessions.onDidReceiveMessage(({ session, message }) => {
      if (message.type === 'saved' && message.kind === 'backup') {
        this.showNotice(vscode.l10n.t('$(archive) {0} · backup step {1}', session.run.name, message.step));
      } else if (session === this.displayedSession && message.type === 'progress') {
        this.update();
      }
    }));
    this._register(vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('trainingBackups.statusBar')) {
        this.update();
      }
    }));
    this._register({ dispose: () => clearTimeout(this.noticeTimer) });
    this._register({ dispose: () => clearTimeout(this.finishedTimer) });
    this.update();
  }

  /** Clears the error state; called when the user opens the log. */
  acknowledgeFailure(): void {
    if (this.failure !== undefined) {
      this.failure = undefined;
      this.update();
    }
  }

  private onSessionChanged(session: TrainingSession): void {
    if (session.state === 'exited') {
      // The result of the run matters more than the notice of its last backup.
      this.notice = undefined;
      clearTimeout(this.noticeTimer);
    }
    this.displayedSession = session.isActive ? session : this.sessions.active()[0] ?? session;
    if (session.state === 'exited' && session.failure !== undefined) {
      this.failure = { runName: session.run.name, message: session.failure };
      this.notifyFailure(session.run.name, session.failure);
    } else if (session.state === 'exited' && session.finished !== undefined) {
      this.showFinished = true;
      clearTimeout(this.finishedTimer);
      this.finishedTimer = setTimeout(() => {
        this.showFinished = false;
        this.update();
      }, finishedNoticeMs);
    } else if (session.state === 'starting') {
      this.failure = undefined;
      this.showFinished = false;
    }
    this.update();
  }

  private notifyFailure(runName: string, message: string): void {
    const showLog = vscode.l10n.t('Show Log');
    const configFailure = parseConfigFailure(message);
    if (configFailure !== undefined) {
      this.notifyConfigFailure(runName, configFailure, showLog);
      return;
    }
    void vscode.window.showErrorMessage(vscode.l10n.t('{0} failed: {1}', runName, message), showLog).then((answer) => {
      if (answer === showLog) {
        void vscode.commands.executeCommand('trainingBackups.showLog');
      }
    });
  }

  /** Shows a short notification for an invalid training.json and writes one log line per problem. */
  private notifyConfigFailure(runName: string, failure: ConfigFailure, showLog: string): void {
    for (const problem of failure.problems) {
      this.log?.error('Training', `${runName}: ${failure.configPath}: ${problem}`);
    }
    const openConfig = vscode.l10n.t('Open training.json');
    const text = vscode.l10n.t('{0} failed: {1} has {2} problem(s).', runName, vscode.workspace.asRelativePath(failure.configPath), failure.problems.length);
    void vscode.window.showErrorMessage(text, openConfig, showLog).then((answer) => {
      if (answer === openConfig) {
        void vscode.window.showTextDocument(vscode.Uri.file(failure.configPath));
      } else if (answer === showLog) {
        void vscode.commands.executeCommand('trainingBackups.showLog');
      }
    });
  }

  private showNotice(text: string): void {
    this.notice = text;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => {
      this.notice = undefined;
      this.update();
    }, saveNoticeMs);
    this.update();
  }

  private update(): void {
    const setting = vscode.workspace.getConfiguration('trainingBackups').get<StatusBarSetting>('statusBar', 'whileTraining');
    const session = this.displayedSession;
    const training = session?.isActive ?? false;
    const idleShown = this.failure !== undefined || this.showFinished || this.notice !== undefined;
    if (setting === 'hidden' || (setting === 'whileTraining' && !training && !idleShown)) {
      this.item.hide();
      return;
    }

    this.item.backgroundColor = undefined;
    if (this.failure !== undefined && !training) {
      this.item.text = vscode.l10n.t('$(error) {0} failed', this.failure.runName);
      this.item.tooltip = `${this.failure.message}\n${vscode.l10n.t('Click to open the log.')}`;
      this.item.command = 'trainingBackups.showLog';
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    } else if (training && session !== undefined) {
      this.item.text = this.notice ?? progressText(session);
      this.item.tooltip = vscode.l10n.t('Training {0}. Click to open the loss chart.', session.run.name);
      this.item.command = 'trainingBackups.openLossChart';
    } else {
      this.item.text = this.notice ?? (session?.finished
        ? vscode.l10n.t('$(check) {0} · step {1}', session.run.name, session.finished.step)
        : vscode.l10n.t('$(archive) Training Backups'));
      this.item.tooltip = vscode.l10n.t('No training is running. Click to open the loss chart.');
      this.item.command = 'trainingBackups.openLossChart';
    }
    this.item.show();
  }
}

/** Builds the status text of a training session: `$(sync~spin) spam · step 240/900 · loss 0.231 · ETA 1:12`. */
export function progressText(session: TrainingSession): string {
  const progress = session.lastProgress;
  if (session.state === 'stopping') {
    return vscode.l10n.t('$(sync~spin) {0} · stopping', session.run.name);
  }
  if (progress === undefined) {
    return vscode.l10n.t('$(sync~spin) {0} · starting', session.run.name);
  }
  const eta = formatEta(progress.etaSeconds);
  return joinParts([
    `$(sync~spin) ${session.run.name}`,
    vscode.l10n.t('step {0}/{1}', progress.step, progress.totalSteps),
    vscode.l10n.t('loss {0}', formatLoss(progress.loss)),
    eta ? vscode.l10n.t('ETA {0}', eta) : undefined,
  ]);
}

/** Builds the text after the run name in the tree while it trains: `step 240/900 · loss 0.231`. */
export function runProgressText(sessions: SessionManager, run: Run): string | undefined {
  const session = sessions.get(run);
  const progress = session?.lastProgress;
  if (session?.state === 'stopping') {
    return vscode.l10n.t('stopping');
  }
  if (progress === undefined) {
    return undefined;
  }
  return joinParts([
    vscode.l10n.t('step {0}/{1}', progress.step, progress.totalSteps),
    vscode.l10n.t('loss {0}', formatLoss(progress.loss)),
  ]);
}
