// Runs every benchmark module in out/bench/ one after another and prints one Markdown table.
// A module takes part when it exports `measure(): Promise<BenchRow[]>` (see bench/row.ts).
// The table also goes to .test-output/bench.md, and docs/benchmarks.md keeps a copy of the latest one.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const benchDir = path.resolve('out/bench');
const outputDir = path.resolve('.test-output');
const activationFile = path.join(outputDir, 'activation-ms.json');

/** Maximum extension activation time in the editor, in milliseconds. */
const activationTargetMs = 50;

function machineDescription(backend) {
  return `${os.cpus().length} cores, ${backend}`;
}

/**
 * Builds the activation row from the figure the in-editor test suite writes to .test-output/activation-ms.json
 * (`{ "activationMs": number }` or a bare number). Without that file the row explains how to produce it and is unmet.
 */
function activationRow() {
  const row = { what: 'extension activation', baseline: '—', target: `≤ ${activationTargetMs} ms`, machine: machineDescription('extension host') };
  if (!existsSync(activationFile)) {
    return { ...row, ours: 'not measured: run npm test first', value: Number.NaN, met: false };
  }

  let activationMs;
  try {
    const parsed = JSON.parse(readFileSync(activationFile, 'utf8'));
    activationMs = typeof parsed === 'number' ? parsed : parsed?.activationMs;
  } catch (error) {
    return { ...row, ours: `invalid ${path.relative('.', activationFile)}: ${error.message}`, value: Number.NaN, met: false };
  }
  if (typeof activationMs !== 'number' || !Number.isFinite(activationMs)) {
    return { ...row, ours: `invalid ${path.relative('.', activationFile)}: no numeric activationMs`, value: Number.NaN, met: false };
  }
  return { ...row, ours: `${activationMs.toFixed(0)} ms`, value: activationMs, met: activationMs <= activationTargetMs };
}

/** Loads each compiled module in out/bench/ that exports measure(), in file-name order. */
function loadBenchModules() {
  if (!existsSync(benchDir)) {
    throw new Error(`${benchDir} not found: run "npm run build" first, it compiles bench/*.ts there`);
  }
  const modules = [];
  for (const file of readdirSync(benchDir).filter((name) => name.endsWith('.js')).sort()) {
    const exported = require(path.join(benchDir, file));
    if (typeof exported.measure === 'function') {
      modules.push({ name: path.basename(file, '.js'), measure: exported.measure });
    }
  }
  return modules;
}

function escapeCell(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function formatTable(rows) {
  const lines = [
    '| what | baseline (same run) | ours | target | met? | machine |',
    '|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const met = row.met ? 'yes' : '**NO**';
    lines.push(`| ${[row.what, row.baseline, row.ours, row.target, met, row.machine].map(escapeCell).join(' | ')} |`);
  }
  return lines.join('\n');
}

const rows = [];
for (const benchModule of loadBenchModules()) {
  process.stderr.write(`bench: running ${benchModule.name}\n`);
  const started = Date.now();
  try {
    rows.push(...(await benchModule.measure()));
  } catch (error) {
    // A failing module becomes an unmet row, so the other rows are still measured and shown.
    process.stderr.write(`bench: ${benchModule.name} failed: ${error.stack ?? error}\n`);
    rows.push({
      what: `${benchModule.name} benchmark`,
      baseline: '—',
      ours: `failed: ${error.message ?? error}`,
      value: Number.NaN,
      target: '—',
      met: false,
      machine: machineDescription('—'),
    });
  }
  process.stderr.write(`bench: ${benchModule.name} took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
rows.push(activationRow());

const table = formatTable(rows);
const header = `Measured ${new Date().toISOString()} on ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}.`;
mkdirSync(outputDir, { recursive: true });
writeFileSync(path.join(outputDir, 'bench.md'), `${header}\n\n${table}\n`);
console.log(`${header}\n\n${table}`);
