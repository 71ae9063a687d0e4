// Commits a checkpoint or backup folder and then rotates its siblings, in a worker thread when the worker
// script is present (dist/save-worker.js, or out/src/training/save-worker.js under tsc) and inline otherwise.
// In the worker, the many awaits of a commit do not each wait for a training step to yield the event loop.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { commitFolder, rotate, type FileToWrite, type FolderKind, type RotationOptions } from '../core';

export interface CommitRequest {
  id: number;
  parentDir: string;
  kind: FolderKind;
  step: number;
  files: FileToWrite[];
  meta?: Record<string, unknown>;
  /** Rotation to run after a successful commit; none when undefined. */
  rotation?: RotationOptions;
}

export type CommitReply = { id: number; path: string; deleted: string[] } | { id: number; error: string };

export interface CommitResult {
  path: string;
  deleted: string[];
}

export type CommitJob = Omit<CommitRequest, 'id'>;

export interface FolderWriter {
  commitAndRotate(job: CommitJob): Promise<CommitResult>;
  close(): Promise<void>;
}

class InlineFolderWriter implements FolderWriter {
  async commitAndRotate(job: CommitJob): Promise<CommitResult> {
    const savedPath = await commitFolder(job.parentDir, job.kind, job.step, job.files, { meta: job.meta });
    const deleted = job.rotation ? await rotate(job.parentDir, job.kind, job.rotation) : [];
    return { path: savedPath, deleted };
  }

  async close(): Promise<void> {}
}

class WorkerFolderWriter implements FolderWriter {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (result: CommitResult) => void; reject: (error: Error) => void }>();

  constructor(script: string) {
    this.worker = new Worker(script);
    this.worker.unref();
    this.worker.on('message', (reply: CommitReply) => this.settle(reply));
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => this.failAll(new Error(`The save worker exited with code ${code} before it finished the save`)));
  }

  commitAndRotate(job: CommitJob): Promise<CommitResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // A referenced worker keeps the process alive until the reply arrives, as an inline write would.
      this.worker.ref();
      this.worker.postMessage({ ...job, id } satisfies CommitRequest);
    });
  }

  private settle(reply: CommitReply): void {
    const waiter = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (this.pending.size === 0) {
      this.worker.unref();
    }
    if (!waiter) {
      return;
    }
    if ('error' in reply) {
      waiter.reject(new Error(reply.error));
    } else {
      waiter.resolve({ path: reply.path, deleted: reply.deleted });
    }
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) {
      waiter.reject(error);
    }
    this.pending.clear();
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Returns a writer that uses a worker thread running `script` when that file exists, and commits inline otherwise. */
export function createFolderWriter(script = path.join(__dirname, 'save-worker.js')): FolderWriter & { inWorker: boolean } {
  if (fs.existsSync(script)) {
    return Object.assign(new WorkerFolderWriter(script), { inWorker: true });
  }
  return Object.assign(new InlineFolderWriter(), { inWorker: false });
}
