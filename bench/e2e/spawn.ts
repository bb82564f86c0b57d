/**
 * Starts a service program as a child process, as services/cli/src/demo/processes.ts does (its
 * own environment, its log in a file, ready when it reports its port over IPC), plus extra node
 * flags: `--cpu-prof` is refused in NODE_OPTIONS, so the profiled gateway needs it on its command
 * line.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ServiceProcess } from '../../services/cli/src/demo/processes.ts';

export async function spawnService(name: string, main: string, env: Record<string, string>, logFile: string, opts: { nodeArgs?: string[]; timeoutMs?: number } = {}): Promise<ServiceProcess> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', main], { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd, 'ipc'] });
  closeSync(fd);
  let exited = false;
  const exitP = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not report ready within ${timeoutMs} ms; see ${logFile}`)), timeoutMs);
    child.on('message', (m: { ready?: boolean; port?: number }) => {
      if (m.ready && typeof m.port === 'number') {
        clearTimeout(timer);
        resolve(m.port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start-up (code ${code}); see ${logFile}`));
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  return {
    name,
    child,
    url: `http://127.0.0.1:${port}`,
    logFile,
    async stop(graceMs = 10_000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitP;
      clearTimeout(timer);
    },
  };
}
