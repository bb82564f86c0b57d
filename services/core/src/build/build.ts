/**
 * `npm run build`: the services compiled to JavaScript (tsconfig.build.json, relative `./x.ts`
 * imports rewritten to `./x.js`) in `build/`, with the files they read at run time placed beside
 * them at the same relative paths as in the repository, so every path a module resolves from its
 * own `import.meta.url` (`schemas/`, `openapi/gateway.yaml`, the routing policy, the built console)
 * holds in the compiled tree too. `node build/services/gateway/src/main.js` then runs without tsx;
 * the container image (Dockerfile) runs exactly this tree.
 *
 *   tsx services/core/src/build/build.ts [--out-dir DIR]   (default: build/ of the repository)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** The repository this module belongs to. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const DEFAULT_BUILD_DIR = join(REPO_ROOT, 'build');

/**
 * Files and directories (relative to the repository) that compiled modules read at run time,
 * copied to the same relative paths under the build directory. `optional`: absent unless built
 * first (the console, `npm run build:console`); without it the services answer `/console/` with
 * UNAVAILABLE, as they do from the sources.
 */
export const RUNTIME_ASSETS: readonly { path: string; optional?: true }[] = [
  { path: 'schemas' },
  { path: 'openapi/gateway.yaml' },
  { path: 'openapi/audit.yaml' },
  { path: 'openapi/components' },
  { path: 'services/gateway/routing-policy.json' },
  { path: 'services/console/dist', optional: true },
];

/** The programs of the compiled tree, relative to the build directory. */
export const COMPILED_PROGRAMS = {
  /** The container image's entry point: `gateway`, `audit` or `mx ...` (services/cli/src/entry.ts). */
  entry: 'services/cli/src/entry.js',
  gateway: 'services/gateway/src/main.js',
  audit: 'services/audit/src/main.js',
  mx: 'services/cli/src/main.js',
} as const;

/** What the build made: the directory and the assets copied (optional ones that were absent are left out). */
export interface BuildResult {
  outDir: string;
  assets: string[];
}

/** Compiles into `outDir` (replacing what an earlier build put there) and copies the run-time assets. */
export function buildJavaScript(outDir: string = DEFAULT_BUILD_DIR): BuildResult {
  const out = resolve(outDir);
  // Only what a build writes is removed, never anything else that might live in the directory.
  for (const p of ['services', 'openapi', 'schemas', 'package.json']) rmSync(join(out, p), { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', out], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc failed (${r.error?.message ?? `exit ${r.status}`}):\n${`${r.stdout ?? ''}${r.stderr ?? ''}`.trim()}`);
  const assets: string[] = [];
  for (const a of RUNTIME_ASSETS) {
    const from = join(REPO_ROOT, a.path);
    if (!existsSync(from)) {
      if (a.optional) continue;
      throw new Error(`run-time file missing: ${a.path}`);
    }
    cpSync(from, join(out, a.path), { recursive: true });
    assets.push(a.path);
  }
  // The compiled modules are ES modules wherever the tree is placed (no repository package.json above it).
  writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type: 'module', private: true }, null, 2)}\n`);
  return { outDir: out, assets };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const { values } = parseArgs({ options: { 'out-dir': { type: 'string' } } });
    const done = buildJavaScript(values['out-dir']);
    process.stdout.write(`build: compiled services into ${done.outDir} with ${done.assets.join(', ')}\n`);
    if (!done.assets.includes('services/console/dist')) process.stdout.write('build: no built console (npm run build:console first to include it)\n');
  } catch (err) {
    process.stderr.write(`build failed: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
