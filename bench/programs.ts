/**
 * Which programs the bench runs as the services: by default the compiled JavaScript of
 * `npm run build` (the container image's tree), compiled afresh into the run's own work directory
 * so it always matches the sources; with `--from-source`, the TypeScript sources through tsx, as
 * `npm run demo` runs them. The bench itself always runs through tsx: only the measured processes
 * change.
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildJavaScript, COMPILED_PROGRAMS, REPO_ROOT } from '../services/core/src/build/build.ts';
import { AUDIT_MAIN, GATEWAY_MAIN } from '../services/cli/src/demo/processes.ts';

export interface ServicePrograms {
  from: 'compiled' | 'source';
  /** The compiled tree (with `from: 'compiled'`). */
  buildDir?: string;
  /** Seconds `npm run build` took (with `from: 'compiled'`). */
  buildSeconds?: number;
  gateway: string;
  audit: string;
  /** `mx` (for `mx audit verify`). */
  mx: string;
  /** Node arguments every program needs before its path (tsx for the sources, nothing compiled). */
  loader: string[];
}

/** The TypeScript sources through tsx. */
export function sourcePrograms(): ServicePrograms {
  return { from: 'source', gateway: GATEWAY_MAIN, audit: AUDIT_MAIN, mx: join(REPO_ROOT, 'services/cli/src/main.ts'), loader: ['--import', 'tsx'] };
}

/**
 * `npm run build` into `<dir>/build`, laid out as the image's /app: the compiled tree beside a
 * `node_modules` (here a link to the repository's), no source in reach.
 */
export function compilePrograms(dir: string): ServicePrograms {
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const { outDir } = buildJavaScript(join(dir, 'build'));
  return {
    from: 'compiled',
    buildDir: outDir,
    buildSeconds: Math.round((performance.now() - t0) / 100) / 10,
    gateway: join(outDir, COMPILED_PROGRAMS.gateway),
    audit: join(outDir, COMPILED_PROGRAMS.audit),
    mx: join(outDir, COMPILED_PROGRAMS.mx),
    loader: [],
  };
}

/** A short description for the log and the table. */
export function describePrograms(p: ServicePrograms): string {
  return p.from === 'compiled' ? `compiled JavaScript (npm run build into ${p.buildDir}, ${p.buildSeconds} s), plain node` : 'TypeScript sources through tsx (--from-source)';
}
