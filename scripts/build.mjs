// Builds the extension bundles with esbuild and compiles tests and benchmarks with tsc.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

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

// The training process and the CLI: tfjs and the data set stay in node_modules, loaded at run time.
await build({
  ...common,
  entryPoints: { trainer: 'src/training/child.ts', cli: 'src/training/cli.ts' },
  outdir: 'dist',
  external: ['@tensorflow/*', '@stdlib/*', 'vscode'],
});

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], { stdio: 'inherit' });
