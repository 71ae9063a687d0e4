// Worker thread that commits and rotates checkpoint and backup folders, so that writing, hashing and fsync
// never wait for a turn of the training thread's event loop. Started by folder-writer.ts.
import { parentPort } from 'node:worker_threads';
import { commitFolder, rotate } from '../core';
import type { CommitReply, CommitRequest } from './folder-writer';

parentPort?.on('message', (request: CommitRequest) => {
  void (async (): Promise<CommitReply> => {
    try {
      const savedPath = await commitFolder(request.parentDir, request.kind, request.step, request.files, { meta: request.meta });
      const deleted = request.rotation ? await rotate(request.parentDir, request.kind, request.rotation) : [];
      return { id: request.id, path: savedPath, deleted };
    } catch (error) {
      return { id: request.id, error: (error as Error).message ?? String(error) };
    }
  })().then((reply) => parentPort?.postMessage(reply));
});
