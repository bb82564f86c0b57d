/** The demo's code path runs in every test run, so the quick start cannot rot. */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoCommand } from '../../services/cli/src/demo/demo.ts';

test('mx demo plays both scenarios to the end against the test broker, then stops everything', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mx-demo-'));
  const lines: string[] = [];
  // The printed metrics command, run while the demo's services are up (the scenario follows the line):
  // its token file and URL, then the audit service's URL and its own token file named by the hint.
  let scrapes: Promise<{ status: number; text: string }[]> | undefined;
  // Never rejects (it is awaited only after the demo stopped): a failure is reported as status 0.
  const scrape = async (url: string, tokenFile: string) => {
    try {
      const res = await fetch(url, { headers: { authorization: `Bearer ${readFileSync(tokenFile, 'utf8').trim()}` } });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      return { status: 0, text: String(err) };
    }
  };
  const out = (l: string) => {
    lines.push(l);
    const m = /^metrics\s+curl -H "Authorization: Bearer \$\(cat (\S+)\)" (http:\/\/127\.0\.0\.1:\d+\/metrics)\s+\(each service its own token: (\S+)\)$/.exec(l);
    const audit = lines.map((x) => /^audit service\s+(http:\/\/\S+)/.exec(x)?.[1]).find(Boolean);
    if (m && audit) {
      const auditToken = m[3]!.replace('<LA|TH|CN|INTERPOL|audit>', 'audit');
      scrapes = Promise.all([scrape(m[2]!, m[1]!), scrape(`${audit}/metrics`, auditToken), scrape(`${audit}/metrics`, m[1]!)]);
    }
  };
  const code = await demoCommand(['--exit-after-scenario', '--dir', dir], { out });
  const text = lines.join('\n');
  expect(code).toBe(0);
  expect(scrapes).toBeDefined();
  const [gateway, audit, wrongToken] = await scrapes!;
  expect(gateway!.status).toBe(200);
  expect(gateway!.text).toMatch(/^# TYPE mx_http_requests_total counter$/m);
  expect(gateway!.text).toMatch(/^# TYPE mx_outbox_backlog_records gauge$/m);
  expect(audit!.status).toBe(200);
  expect(audit!.text).toMatch(/^# TYPE mx_audit_tree_size_leaves gauge$/m);
  // Each service its own token: the gateway's does not open the audit service's metrics.
  expect(wrongToken!.status).toBe(401);
  expect(text).toMatch(/lifecycle at TH: status responded\n\s+LA\s+published yes\s+delivered yes\s+read yes\s+responses 2/);
  expect(text).toMatch(/lifecycle at INTERPOL: status responded/);
  expect(text.match(/^\s+(CN|LA|TH)\s+published yes\s+delivered yes\s+read yes\s+responses 1$/gm)).toHaveLength(3);
  expect(text).toMatch(/VERDICT: PASS: \d+ leaves of checkpoint size \d+/);
  // Issue 13's walk-through: one timely and one late alert, an escalation, a withdrawal, statistics.
  expect(text).toMatch(/ten days before arrival \([0-9a-f-]{36}\): timely at LA, timely at INTERPOL/);
  expect(text).toMatch(/two days after the arrival date \([0-9a-f-]{36}\): after-arrival/);
  expect(text).toMatch(/it is escalated at TH and CN/);
  expect(text).toMatch(/LA and INTERPOL show it withdrawn/);
  expect(text).toMatch(/\d+ cells over 12 months; [1-9]\d* of 5 or more:\n\s+victim-notices\s+month=\d{4}-\d{2} direction=received age_band=15-17 sex=female/);
  expect(text).toMatch(/TH\s+seq \d+\s+submitted[\s\S]*LA\s+seq \d+\s+delivered[\s\S]*LA\s+seq \d+\s+read[\s\S]*LA\s+seq \d+\s+responded/);
  expect(text).toMatch(/receipt-received\s+counterpart LA read/);
  expect(text).toMatch(/Scenario complete\.[\s\S]*stopped cleanly/);
  // Each console's URL and its demo users with their generated passwords.
  for (const [name, user, role] of [['LA', 'la.officer', 'liaison-officer'], ['TH', 'th.officer', 'liaison-officer'], ['CN', 'cn.officer', 'liaison-officer'], ['INTERPOL', 'interpol.desk', 'interpol-desk'], ['auditor', 'la.auditor', 'auditor']] as const) {
    expect(text).toMatch(new RegExp(`${name} console\\s+http://127\\.0\\.0\\.1:\\d+/console/\\n\\s+${user.replace('.', '\\.')}\\s+password [A-Za-z0-9_-]{16}\\s+\\(${role} at `));
  }
  for (const e of ['la', 'th', 'cn', 'interpol']) expect(text).toMatch(new RegExp(`\\n\\s+${e}\\.analyst\\s+password [A-Za-z0-9_-]{16}\\s+\\(analyst at ${e.toUpperCase()}\\)`));
  expect(text).toMatch(/identity provider\s+http:\/\/127\.0\.0\.1:\d+/);
  // The passwords and users file are owner-only; `mx` is back on the dev issuer once the demo stopped.
  expect(statSync(join(dir, 'private', 'idp-passwords.json')).mode & 0o077).toBe(0);
  expect(statSync(join(dir, 'private', 'idp-users.json')).mode & 0o077).toBe(0);
  expect(existsSync(join(dir, 'idp', 'issuer'))).toBe(false);
  // Private keys were generated under the demo directory, owner-only.
  expect(statSync(join(dir, 'private', 'TH.jwks.json')).mode & 0o077).toBe(0);
}, 180_000);
