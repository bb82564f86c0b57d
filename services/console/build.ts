/**
 * Builds the web console with Vite: `dist/officer` (served by each gateway at `/console/`) and
 * `dist/auditor` (served by the audit service). `ensureConsoleBuilt()` rebuilds only when a source
 * file, the lock file or this script changed since the last build (a digest in `dist/.stamp`), so
 * the demo and the tests can call it every time.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSOLE_ROOT = fileURLToPath(new URL('.', import.meta.url));
export const CONSOLE_DIST = join(CONSOLE_ROOT, 'dist');
export const CONSOLE_APPS = ['officer', 'auditor'] as const;
const STAMP = join(CONSOLE_DIST, '.stamp');
const LOCK = join(CONSOLE_ROOT, '..', '..', 'package-lock.json');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** Digest of everything the build reads that is ours: sources, pages, lock file, this script. */
export function consoleSourceDigest(): string {
  const h = createHash('sha256');
  // The forms are drawn from the JSON Schemas, so a schema change is a console change too.
  const inputs = [...files(join(CONSOLE_ROOT, 'src')), ...files(join(CONSOLE_ROOT, '..', '..', 'schemas')), ...CONSOLE_APPS.map((a) => join(CONSOLE_ROOT, a, 'index.html')), LOCK, fileURLToPath(import.meta.url)].sort();
  for (const f of inputs) h.update(relative(CONSOLE_ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

export async function buildConsole(log: (line: string) => void = () => {}): Promise<void> {
  const { build } = await import('vite');
  // Vite picks packages' production builds (Lit without its dev-mode checks) only when NODE_ENV says
  // so; under jest it is `test`. Restored after, so nothing else in this process sees the change.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    for (const app of CONSOLE_APPS) await buildApp(app, build, log);
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  writeFileSync(STAMP, consoleSourceDigest());
}


async function buildApp(app: (typeof CONSOLE_APPS)[number], build: typeof import('vite').build, log: (line: string) => void): Promise<void> {
  await build({
    mode: 'production',
    root: join(CONSOLE_ROOT, app),
    base: './',
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: join(CONSOLE_DIST, app),
      emptyOutDir: true,
      // No inline data: URLs for fonts or scripts; everything is a same-origin file the CSP allows.
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      sourcemap: false,
      target: 'es2022',
    },
  });
  log(`console: built ${app} into ${relative(process.cwd(), join(CONSOLE_DIST, app)) || '.'}`);
}

/** Builds the console unless the last build is of the same sources. */
export async function ensureConsoleBuilt(log?: (line: string) => void): Promise<void> {
  const digest = consoleSourceDigest();
  const built = existsSync(STAMP) && readFileSync(STAMP, 'utf8') === digest && CONSOLE_APPS.every((a) => existsSync(join(CONSOLE_DIST, a, 'index.html')));
  if (!built) await buildConsole(log);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildConsole((line) => process.stdout.write(`${line}\n`)).catch((err: unknown) => {
    process.stderr.write(`console build failed: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
