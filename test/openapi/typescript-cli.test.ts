/**
 * A user can generate types from the API documents with the stock openapi-typescript CLI and the
 * repository's redocly.yaml (which it reads from the working directory), without the network: the
 * command the README gives, `npx openapi-typescript openapi/<api>.yaml -o <file>`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GENERATED_FILES, REPO_ROOT } from '../../services/core/src/openapi/generate.ts';

const require = createRequire(import.meta.url);
const CLI = path.join(path.dirname(require.resolve('openapi-typescript/package.json')), 'bin/cli.js');
const NO_NETWORK = path.join(REPO_ROOT, 'test/openapi/no-network.mjs');

function run(args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', NO_NETWORK, CLI, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

describe('the stock openapi-typescript CLI', () => {
  it.each(Object.keys(GENERATED_FILES))('%s -> a types file, exit 0, no network', async (spec) => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'mx-ots-')), 'types.ts');
    const r = await run([spec, '-o', out]);
    expect({ status: r.status, blocked: r.output.includes('NETWORK BLOCKED'), missingKey: r.output.includes('x-openapi-ts') }).toEqual({ status: 0, blocked: false, missingKey: false });
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('export interface paths');
    expect(text).toContain('"/v1/health"');
  }, 120_000);
});
