/** The demo's code path runs in every test run, so the quick start cannot rot. */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoCommand } from '../../services/cli/src/demo/demo.ts';

test('mx demo plays both scenarios to the end against the test broker, then stops everything', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mx-demo-'));
  const lines: string[] = [];
  const code = await demoCommand(['--exit-after-scenario', '--dir', dir], { out: (l) => lines.push(l) });
  const text = lines.join('\n');
  expect(code).toBe(0);
  expect(text).toMatch(/lifecycle at TH: status responded\n\s+LA\s+published yes\s+delivered yes\s+read yes\s+responses 2/);
  expect(text).toMatch(/lifecycle at INTERPOL: status responded/);
  expect(text.match(/^\s+(CN|LA|TH)\s+published yes\s+delivered yes\s+read yes\s+responses 1$/gm)).toHaveLength(3);
  expect(text).toMatch(/VERDICT: PASS: \d+ leaves of checkpoint size \d+/);
  expect(text).toMatch(/TH\s+seq \d+\s+submitted[\s\S]*LA\s+seq \d+\s+delivered[\s\S]*LA\s+seq \d+\s+read[\s\S]*LA\s+seq \d+\s+responded/);
  expect(text).toMatch(/receipt-received\s+counterpart LA read/);
  expect(text).toMatch(/Scenario complete\.[\s\S]*stopped cleanly/);
  // Private keys were generated under the demo directory, owner-only.
  expect(statSync(join(dir, 'private', 'TH.jwks.json')).mode & 0o077).toBe(0);
}, 180_000);
