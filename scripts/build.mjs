// Builds the extension bundles with esbuild and compiles tests and benchmarks with tsc.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
};

rmSync('dist', { recursive: true, force: true });

// The extension host bundle: vscode is provided by the host, and tfjs must never be bundled into it.
await build({
  ...common,
  entryPoints: { extension: 'src/extension.ts' },
  outdir: 'dist',
  external: ['vscode'],
  // jsonc-parser's UMD build (its "main") requires files at run time; its ES module build bundles.
  mainFields: ['module', 'main'],
  plugins: [
    {
      name: 'no-tfjs-in-extension-host',
      setup(pluginBuild) {
        pluginBuild.onResolve({ filter: /^@tensorflow\// }, (args) => ({
          errors: [{ text: `tfjs must not be imported by the extension host bundle (from ${args.importer})` }],
        }));
      },
    },
  ],
});

// The loss chart webview loads uPlot from dist/ (see src/ui/chartPanel.ts); its MIT license ships with it.
for (const file of ['uPlot.iife.min.js', 'uPlot.min.css']) {
  copyFileSync(`node_modules/uplot/dist/${file}`, `dist/${file}`);
}
copyFileSync('node_modules/uplot/LICENSE', 'dist/uPlot.LICENSE');

// The training process and the CLI: tfjs and the data set stay in node_modules, loaded at run time.
await build({
  ...common,
  entryPoints: { trainer: 'src/training/child.ts', cli: 'src/training/cli.ts', 'save-worker': 'src/training/save-worker.ts' },
  outdir: 'dist',
  external: ['@tensorflow/*', '@stdlib/*', 'vscode'],
  // jsonc-parser's UMD build (its "main") requires files at run time; its ES module build bundles.
  mainFields: ['module', 'main'],
  // dist/cli.js is the package's "bin"; Node ignores the line in dist/trainer.js.
  banner: { js: '#!/usr/bin/env node' },
});

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], { stdio: 'inherit' });
