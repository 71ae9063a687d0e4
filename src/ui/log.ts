import * as vscode from 'vscode';

/** The "Training Backups" output channel; every line starts with the component that wrote it. */
export class Log implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor() {
    this.channel = vscode.window.createOutputChannel('Training Backups', { log: true });
  }

  trace(component: string, message: string): void {
    this.channel.trace(`[${component}] ${message}`);
  }

  debug(component: string, message: string): void {
    this.channel.debug(`[${component}] ${message}`);
  }

  info(component: string, message: string): void {
    this.channel.info(`[${component}] ${message}`);
  }

  warn(component: string, message: string): void {
    this.channel.warn(`[${component}] ${message}`);
  }

  error(component: string, message: string, error?: unknown): void {
    if (error === undefined) {
      this.channel.error(`[${component}] ${message}`);
      return;
    }
    const detail = error instanceof Error ? error.message : String(error);
    this.channel.error(`[${component}] ${message}: ${detail}`);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
