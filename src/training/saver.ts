// Runs checkpoint writes in the background while training continues. At most one save is in flight: a new
// save first waits for the previous one. A failed save is reported through `onError` and never thrown into
// the training loop; core's commitFolder leaves only a .tmp- folder behind, which is never listed.

export class BackgroundSaver {
  private pending: Promise<void> | undefined;

  constructor(private readonly onError: (error: Error, label: string) => void) {}

  /** Waits for the save in flight (if any), then starts `job` without waiting for it. */
  async schedule(label: string, job: () => Promise<void>): Promise<void> {
    await this.flush();
    const run = job().catch((error: unknown) => {
      this.onError(error instanceof Error ? error : new Error(String(error)), label);
    });
    const tracked: Promise<void> = run.then(() => {
      if (this.pending === tracked) {
        this.pending = undefined;
      }
    });
    this.pending = tracked;
  }

  /** Resolves when no save is in flight. */
  async flush(): Promise<void> {
    while (this.pending) {
      await this.pending;
    }
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }
}
