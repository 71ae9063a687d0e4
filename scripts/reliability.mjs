// Runs the reliability suite (test/reliability): kills, full disks, corruption, bad input and lock
// contention against the checkpoint store and the trainer. Rebuilds first when a source file is newer
// than the compiled suite. Usage: node scripts/reliability.mjs [--profile ci|soak] [--only NAME] [--seed N] [--keep]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const compiled = 'out/test/reliability/run.js';

function newestMtimeMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(full) : statSync(full).mtimeMs);
  }
  return newest;
}

const stale = !existsSync(compiled) || !existsSync('dist/cli.js') || newestMtimeMs('src') > statSync(compiled).mtimeMs
  || newestMtimeMs('test/reliability') > statSync(compiled).mtimeMs;
if (stale) {
  console.log('reliability: sources changed since the last build, running node scripts/build.mjs');
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}

const result = spawnSync(process.execPath, [compiled, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
