/**
 * The committed openapi/generated/*.ts are exactly what `npm run generate` produces now, and the
 * generator reads only local files (the network is blocked in the child-process run).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GENERATED_FILES, REPO_ROOT, renderGenerated } from '../../services/core/src/openapi/generate.ts';

const NO_NETWORK = path.join(REPO_ROOT, 'test/openapi/no-network.mjs');

describe('generated OpenAPI types', () => {
  it('the committed files equal renderGenerated() (run npm run generate when this fails)', async () => {
    const rendered = await renderGenerated();
    expect(Object.keys(rendered).sort()).toEqual(Object.values(GENERATED_FILES).sort());
    for (const [file, text] of Object.entries(rendered)) {
      let committed: string;
      try {
        committed = readFileSync(path.join(REPO_ROOT, file), 'utf8');
      } catch {
        throw new Error(`${file} is missing: run npm run generate`);
      }
      if (committed !== text) throw new Error(`${file} is stale: run npm run generate`);
    }
  });

  it('each generated file says it is generated, from which document, and how to regenerate it', async () => {
    const rendered = await renderGenerated();
    for (const [spec, file] of Object.entries(GENERATED_FILES)) {
      const head = rendered[file]!.split('\n').slice(0, 6).join('\n');
      expect(head).toContain('GENERATED FILE, do not edit');
      expect(head).toContain(spec);
      expect(head).toContain('npm run generate');
    }
  });

  it('`generate --check` passes with every network call blocked', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', NO_NETWORK, '--import', 'tsx', 'services/core/src/openapi/generate.ts', '--check'],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.stderr).not.toContain('NETWORK BLOCKED');
    expect({ status: run.status, stdout: run.stdout }).toEqual({
      status: 0,
      stdout: expect.stringContaining('up to date') as unknown as string,
    });
  });
});
