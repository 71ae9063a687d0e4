import * as vscode from 'vscode';

/** Base class for objects that own listeners, watchers, timers and child processes and dispose them together. */
export abstract class Disposable implements vscode.Disposable {
  private readonly owned: vscode.Disposable[] = [];
  private disposed = false;

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  /** Takes ownership of `value`: it is disposed with this object (at once if this object is already disposed). */
  protected _register<T extends vscode.Disposable>(value: T): T {
    if (this.disposed) {
      value.dispose();
    } else {
      this.owned.push(value);
    }
    return value;
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    // Dispose in reverse order, so that an object goes before the things it was built on.
    for (const value of this.owned.splice(0).reverse()) {
      value.dispose();
    }
  }
}
