/**
 * `redocly lint` (recommended rules, redocly.yaml) passes on both API documents with no error and
 * no warning, and without touching the network: the CLI runs with every outbound connection blocked
 * (test/openapi/no-network.mjs), so a `$ref` by URL or a telemetry call would show.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { GENERATED_FILES, REPO_ROOT } from '../../services/core/src/openapi/generate.ts';

const require = createRequire(import.meta.url);
const REDOCLY_CLI = path.join(path.dirname(require.resolve('@redocly/cli/package.json')), 'bin/cli.js');
const NO_NETWORK = path.join(REPO_ROOT, 'test/openapi/no-network.mjs');

interface LintRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

function lint(file: string): Promise<LintRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', NO_NETWORK, REDOCLY_CLI, 'lint', '--format=json', file], {
      cwd: REPO_ROOT,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; message: string; location?: Array<{ pointer?: string }> }>;
}

function report(run: LintRun): LintReport {
  try {
    return JSON.parse(run.stdout) as LintReport;
  } catch {
    throw new Error(`redocly printed no JSON report (exit ${run.status}): ${run.stderr.slice(-2000)}`);
  }
}

describe('redocly lint', () => {
  it.each(Object.keys(GENERATED_FILES))('%s: exit 0, no errors, no warnings, no network', async (spec) => {
    const run = await lint(spec);
    expect(run.stderr).not.toContain('NETWORK BLOCKED');
    const { totals, problems } = report(run);
    expect(problems.map((p) => `${p.ruleId} at ${p.location?.[0]?.pointer ?? '?'}: ${p.message}`)).toEqual([]);
    expect(totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(run.status).toBe(0);
  });

  it('fails a broken document (the check above can fail)', async () => {
    const run = await lint('test/openapi/fixtures/lint-bad.yaml');
    expect(run.status).not.toBe(0);
    expect(report(run).totals.errors).toBeGreaterThan(0);
  });

  it('the network block itself works (positive control)', async () => {
    const run = await new Promise<LintRun>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', NO_NETWORK, '-e', "fetch('https://schemas.mekong-exchange.example/envelope.v1.json').catch(() => process.exit(3))"],
        { cwd: REPO_ROOT },
      );
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout: '', stderr }));
    });
    expect(run.status).toBe(3);
    expect(run.stderr).toContain('NETWORK BLOCKED fetch https://schemas.mekong-exchange.example/envelope.v1.json');
  });
});
