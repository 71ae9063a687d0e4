import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'fs-extra';
import { StateStorage, VerificationStore } from '../../../src/ui/verificationStore';

/** An in-memory stand-in for vscode.Memento that round-trips values through JSON, as workspaceState does. */
class MemoryStorage implements StateStorage {
  readonly values = new Map<string, string>();

  get<T>(key: string): T | undefined {
    const text = this.values.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) {
      this.values.delete(key);
    } else {
      this.values.set(key, JSON.stringify(value));
    }
  }
}

describe('VerificationStore', () => {
  let dir: string;
  let folder: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'verification-store-'));
    folder = path.join(dir, 'checkpoint-10');
    await fs.mkdirp(folder);
    await fs.writeFile(path.join(folder, 'manifest.json'), '{}');
  });

  afterEach(async () => {
    await fs.remove(dir);
  });

  it('keeps a corrupt result across instances', async () => {
    const storage = new MemoryStorage();
    await new VerificationStore(storage).record(folder, { state: 'corrupt', file: 'weights.bin', reason: 'hash mismatch' });
    const reloaded = new VerificationStore(storage);
    assert.deepEqual(reloaded.lookup(folder), { state: 'corrupt', file: 'weights.bin', reason: 'hash mismatch' });
  });

  it('drops the result when the manifest changes', async () => {
    const storage = new MemoryStorage();
    const store = new VerificationStore(storage);
    await store.record(folder, { state: 'corrupt', file: 'weights.bin', reason: 'hash mismatch' });
    const later = new Date(Date.now() + 5000);
    await fs.utimes(path.join(folder, 'manifest.json'), later, later);
    assert.equal(store.lookup(folder), undefined);
    assert.equal(storage.values.size, 0, 'a stale result must be removed from the storage');
  });

  it('stores nothing without a manifest', async () => {
    const storage = new MemoryStorage();
    await fs.remove(path.join(folder, 'manifest.json'));
    await new VerificationStore(storage).record(folder, { state: 'ok' });
    assert.equal(storage.values.size, 0);
  });
});
