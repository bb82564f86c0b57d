/**
 * Runs a service program (a gateway, the audit service, the OpenID provider) as a child process, the way an operator
 * would: its own environment, its log in a file, ready when it reports its port over IPC.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_NODE_OPTIONS } from '../../../core/src/process/node-flags.ts';

export const GATEWAY_MAIN = fileURLToPath(new URL('../../../gateway/src/main.ts', import.meta.url));
export const AUDIT_MAIN = fileURLToPath(new URL('../../../audit/src/main.ts', import.meta.url));
export const IDP_MAIN = fileURLToPath(new URL('../../../idp/src/main.ts', import.meta.url));
const SUPERVISED = fileURLToPath(new URL('./supervised.ts', import.meta.url));

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  url: string;
  logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`; how it exited (code 0: a clean stop). */
  stop(graceMs?: number): Promise<ServiceExit>;
}

/**
 * Starts `main` under tsx with `env` added to this process's environment; a compiled program
 * (`.js`, from `npm run build`) runs on plain node (each service stops by itself when its IPC
 * parent goes: core/src/process/serve.ts), with the services' Node options (SERVICE_NODE_OPTIONS, as
 * the container image sets them). `nodeArgs` go before the program (e.g. `--cpu-prof`,
 * which NODE_OPTIONS refuses). A service that fails to come up is killed.
 */
export async function startService(name: string, main: string, env: Record<string, string>, logFile: string, opts: { nodeArgs?: string[]; timeoutMs?: number } = {}): Promise<ServiceProcess> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  const loader = main.endsWith('.js') ? [] : ['--import', 'tsx', '--import', SUPERVISED];
  const child = spawn(process.execPath, [...SERVICE_NODE_OPTIONS, ...(opts.nodeArgs ?? []), ...loader, main], { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd, 'ipc'] });
  closeSync(fd);
  let exited: ServiceExit | undefined;
  const exitP = new Promise<ServiceExit>((resolve) => child.once('exit', (code, signal) => resolve((exited = { code, signal }))));
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
      if (exited) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const e = await exitP;
      clearTimeout(timer);
      return e;
    },
  };
}
