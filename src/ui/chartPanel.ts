import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { listFolders, readTrainerState } from '../core';
import { Disposable } from './lifecycle';
import { Log } from './log';
import { Run } from './runConfig';
import { LossPoint, SessionManager } from './sessions';

/** A step where a checkpoint or backup was saved; drawn as a marker on the chart. */
export interface SaveMarker {
  kind: 'checkpoint' | 'backup';
  step: number;
}

/** Messages from the extension to the chart webview (media/chart.js reads them). */
export type ChartMessage =
  | { type: 'data'; title: string; points: LossPoint[]; markers: SaveMarker[]; live: boolean; labels: Record<string, string> }
  | { type: 'append'; point: LossPoint }
  | { type: 'marker'; marker: SaveMarker }
  | { type: 'live'; live: boolean };

/**
 * The loss chart: one webview panel that plots a run's loss and evaluation metrics over steps, live while the
 * run trains, and from the newest checkpoint's trainer_state.json log_history otherwise.
 */
export class LossChartPanel extends Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private run: Run | undefined;

  constructor(private readonly extensionUri: vscode.Uri, private readonly sessions: SessionManager, private readonly log: Log) {
    super();
    this._register(sessions.onDidReceiveMessage(({ session, message }) => {
      if (this.panel === undefined || session.run.id !== this.run?.id) {
        return;
      }
      if (message.type === 'progress') {
        void this.post({ type: 'append', point: { step: message.step, loss: message.loss } });
      } else if (message.type === 'evaluation') {
        void this.post({ type: 'append', point: { step: message.step, metrics: message.metrics } });
      } else if (message.type === 'saved') {
        void this.post({ type: 'marker', marker: { kind: message.kind, step: message.step } });
      } else if (message.type === 'started') {
        void this.load(session.run);
      }
    }));
    this._register(sessions.onDidChangeSession((session) => {
      if (this.panel !== undefined && session.run.id === this.run?.id && !session.isActive) {
        void this.post({ type: 'live', live: false });
      }
    }));
    this._register({ dispose: () => this.panel?.dispose() });
  }

  /** The run the panel shows, when it is open. */
  get shownRun(): Run | undefined {
    return this.panel === undefined ? undefined : this.run;
  }

  async show(run: Run): Promise<void> {
    this.run = run;
    if (this.panel === undefined) {
      this.panel = vscode.window.createWebviewPanel('trainingBackups.lossChart', '', vscode.ViewColumn.Beside, {
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media'), vscode.Uri.joinPath(this.extensionUri, 'dist')],
        retainContextWhenHidden: true,
      });
      this.panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'training-backups.svg');
      this.panel.onDidDispose(() => {
        this.panel = undefined;
      });
      this.panel.webview.html = this.html(this.panel.webview);
    } else {
      this.panel.reveal(undefined, true);
    }
    this.panel.title = vscode.l10n.t('Loss: {0}', run.name);
    await this.load(run);
  }

  private async load(run: Run): Promise<void> {
    const session = this.sessions.get(run);
    let points: LossPoint[];
    let markers: SaveMarker[];
    if (session?.isActive) {
      points = session.points.slice();
      markers = session.saved.map(({ kind, step }) => ({ kind, step }));
    } else {
      ({ points, markers } = await this.readHistory(run));
    }
    await this.post({
      type: 'data',
      title: run.name,
      points,
      markers,
      live: session?.isActive ?? false,
      labels: {
        loss: vscode.l10n.t('loss'),
        step: vscode.l10n.t('step'),
        metric: vscode.l10n.t('metric'),
        checkpoint: vscode.l10n.t('checkpoint'),
        backup: vscode.l10n.t('backup'),
        empty: vscode.l10n.t('No loss values yet. Train the run, or resume it, to see its curve.'),
        live: vscode.l10n.t('live'),
      },
    });
  }

  private async readHistory(run: Run): Promise<{ points: LossPoint[]; markers: SaveMarker[] }> {
    const markers: SaveMarker[] = [];
    let points: LossPoint[] = [];
    try {
      const checkpoints = await listFolders(run.outputDir, 'checkpoint');
      const backups = await listFolders(run.backupDir, 'backup');
      markers.push(...checkpoints.map((c) => ({ kind: 'checkpoint' as const, step: c.step })));
      markers.push(...backups.map((b) => ({ kind: 'backup' as const, step: b.step })));
      const newest = checkpoints[checkpoints.length - 1];
      const state = newest === undefined ? undefined : await readTrainerState(newest.path);
      points = (state?.logHistory ?? []).map(({ step, loss, epoch: _epoch, ...rest }) => ({
        step,
        loss,
        metrics: metricsOf(rest),
      }));
    } catch (error) {
      this.log.error('Chart', `Reading the history of ${run.name} failed`, error);
    }
    return { points, markers };
  }

  private async post(message: ChartMessage): Promise<void> {
    await this.panel?.webview.postMessage(message);
  }

  private html(webview: vscode.Webview): string {
    const nonce = randomBytes(16).toString('base64');
    const asset = (...segments: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...segments));
    return `<!DOCTYPE html>
<html lang="${vscode.env.language}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('dist', 'uPlot.min.css')}">
<link rel="stylesheet" href="${asset('media', 'chart.css')}">
</head>
<body>
<div id="header"><span id="title"></span> <span id="live"></span>
<span class="keys"><span class="key checkpoint" id="checkpoint-key"></span><span class="key backup" id="backup-key"></span></span></div>
<div id="chart"></div>
<p id="empty" hidden></p>
<script nonce="${nonce}" src="${asset('dist', 'uPlot.iife.min.js')}"></script>
<script nonce="${nonce}" src="${asset('media', 'chart.js')}"></script>
</body>
</html>`;
  }
}

/** Keeps the numeric metrics of a log_history entry (eval_loss, eval_accuracy, ...). */
function metricsOf(entry: Record<string, number | undefined>): Record<string, number> | undefined {
  const metrics: Record<string, number> = {};
  for (const [key, value] of Object.entries(entry)) {
    if (typeof value === 'number' && Number.isFinite(value) && key.startsWith('eval_')) {
      metrics[key] = value;
    }
  }
  return Object.keys(metrics).length > 0 ? metrics : undefined;
}
