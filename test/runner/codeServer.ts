// Starts and stops a code-server process (the VS Code server build from npm) on 127.0.0.1 for the
// in-editor and browser tests. code-server is installed by scripts/install-code-server.mjs.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const outputRoot = path.join(repoRoot, '.test-output');
export const codeServerDir = path.join(repoRoot, '.tools', 'code-server');
export const codeServerEntry = path.join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

export interface CodeServerOptions {
  /** Folder for this session's profile, extensions and logs. It is emptied on start. */
  sessionDir: string;
  /** Folder opened as the workspace. */
  workspaceDir: string;
  /** When false, code-server starts with --disable-workspace-trust and every folder is trusted. */
  workspaceTrust: boolean;
  /** Extra environment variables for the server and the extension host it starts. */
  env?: Record<string, string>;
}

export interface CodeServer {
  port: number;
  baseUrl: string;
  logPath: string;
  /** Returns the workbench URL that opens `folder` with the given development options in the payload parameter. */
  workbenchUrl(folder: string, payload?: [string, string][]): string;
  /** Returns the vscode-remote URI that names a path on this server. */
  remoteUri(filePath: string): string;
  stop(): Promise<void>;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock `<sessionDir>.lock` so that two test processes never share one session folder and its
 * workspace, and returns the function that releases it. Waits while a live process holds the lock and
 * takes over a lock whose process is gone.
 */
export async function lockSession(sessionDir: string, timeoutMs = 20 * 60_000): Promise<() => void> {
  const lockPath = `${sessionDir}.lock`;
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }

    const owner = Number(fs.readFileSync(lockPath, 'utf8'));
    if (!Number.isInteger(owner) || owner <= 0 || !isProcessAlive(owner)) {
      fs.rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for process ${owner} to release ${lockPath}`);
    }
    if (!announced) {
      console.log(`[test] waiting for process ${owner}, which is using ${sessionDir}`);
      announced = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = http.get(url, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', () => resolve(undefined));
    request.setTimeout(2_000, () => {
      request.destroy();
      resolve(undefined);
    });
  });
}

async function waitForHealthy(baseUrl: string, child: ChildProcess, logPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`code-server exited with code ${child.exitCode} before it answered; see ${logPath}`);
    }
    if ((await httpStatus(`${baseUrl}/healthz`)) === 200) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`code-server did not answer on ${baseUrl}/healthz within ${timeoutMs / 1000} s; see ${logPath}`);
}

/** Starts code-server bound to 127.0.0.1 on a free port and waits until its /healthz endpoint returns 200. */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  if (!fs.existsSync(codeServerEntry)) {
    throw new Error(`code-server is not installed at ${codeServerEntry}. Run: node scripts/install-code-server.mjs`);
  }

  fs.rmSync(options.sessionDir, { recursive: true, force: true });
  const userDataDir = path.join(options.sessionDir, 'user-data');
  const extensionsDir = path.join(options.sessionDir, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  // Keep the workbench quiet and predictable: no welcome page, no telemetry prompts, no restored editors.
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'security.workspace.trust.startupPrompt': 'never',
        'security.workspace.trust.enabled': options.workspaceTrust,
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        // The test workspaces live inside this repository's checkout; without this, the Git extension's
        // "open the repository in the parent folder?" notification covers the screenshots.
        'git.openRepositoryInParentFolders': 'never',
      },
      null,
      2,
    ),
  );

  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const logPath = path.join(options.sessionDir, 'code-server.log');
  const log = fs.openSync(logPath, 'w');
  const args = [
    codeServerEntry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    options.workspaceDir,
  ];
  const child = spawn(process.execPath, args, {
    cwd: options.sessionDir,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      // code-server writes a default config.yaml under $XDG_CONFIG_HOME on first start.
      XDG_CONFIG_HOME: path.join(options.sessionDir, 'config'),
      XDG_DATA_HOME: path.join(options.sessionDir, 'data'),
      // An empty gallery turns off the marketplace (open-vsx.org by default), so the server does not contact it.
      EXTENSIONS_GALLERY: '{}',
      ...options.env,
    },
    detached: true,
  });
  fs.closeSync(log);

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.pid === undefined) {
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // The server starts extension hosts and file watchers as children: end the whole process group.
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, 5_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitForHealthy(baseUrl, child, logPath, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }

  const remoteUri = (filePath: string): string => `vscode-remote://127.0.0.1:${port}${path.resolve(filePath)}`;
  return {
    port,
    baseUrl,
    logPath,
    remoteUri,
    workbenchUrl(folder: string, payload: [string, string][] = []): string {
      const query = new URLSearchParams({ folder: path.resolve(folder) });
      if (payload.length > 0) {
        query.set('payload', JSON.stringify(payload));
      }
      return `${baseUrl}/?${query.toString()}`;
    },
    stop,
  };
}
