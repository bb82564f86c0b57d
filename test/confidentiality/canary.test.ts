/**
 * The canary: a unique name planted in a victim notice (TH to LA) and in an offender alert
 * (INTERPOL to LA, TH and CN) goes through the demo, as a user starts it, with its own broker.
 * Afterwards every byte the deployment wrote is scanned for the name, in clear and in every
 * base64/base64url alignment: the broker's log segments (every topic, the DLQ and mx.audit
 * included), the audit store, every log file, and the stores of endpoints that are not parties.
 * It must be found 0 times there. The same scanner must find it where it belongs, as a positive
 * control: in what a party's officer reads through the API. And every file of the stores, the logs
 * and the broker's data is owner-only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DemoState } from '../../services/cli/src/demo/state.ts';
import { officerToken } from '../../services/cli/src/commands/officer.ts';
import { loadBody } from '../fixtures/documents/index.ts';
import { eventually } from '../support/kafka.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every text under which `name` can appear: itself, and its base64/base64url encodings at the three alignments. */
export function encodedForms(name: string): string[] {
  const forms = new Set<string>([name]);
  for (let k = 0; k < 3; k++) {
    const b64 = Buffer.concat([Buffer.alloc(k, 0x41), Buffer.from(name, 'utf8'), Buffer.alloc(3, 0x41)]).toString('base64');
    // Drop the characters that also encode the neighbouring bytes: what stays depends on `name` alone.
    const start = Math.ceil((k * 4) / 3) + (k === 0 ? 0 : 1);
    const core = b64.slice(start, b64.length - 8);
    forms.add(core);
    forms.add(core.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return [...forms].filter((f) => f.length >= 8);
}

/** Files under `dir` (recursively) whose bytes contain any of `forms`, as paths relative to `root`. */
function filesContaining(dir: string, forms: string[], root: string): string[] {
  if (!existsSync(dir)) return [];
  const hits: string[] = [];
  for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const file = join(dir, rel);
    if (!statSync(file).isFile()) continue;
    const bytes = readFileSync(file).toString('latin1');
    if (forms.some((f) => bytes.includes(f))) hits.push(relative(root, file));
  }
  return hits;
}

let demo: { npm: ChildProcess; dir: string; state: DemoState; output: string[] } | undefined;

afterAll(async () => {
  if (!demo) return;
  const exited = new Promise((r) => demo!.npm.once('exit', r));
  process.kill(-demo.npm.pid!, 'SIGTERM');
  await exited;
});

test('a planted name is found only where it belongs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mx-canary-'));
  const { KAFKA_BROKERS: _b, NODE_OPTIONS: _n, MX_KAFKA_SECRETS_DIR: _s, ...env } = process.env;
  const npm = spawn('npm', ['run', 'demo', '--', '--no-scenario', '--dir', dir], { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  npm.stdout!.on('data', (b: Buffer) => output.push(b.toString()));
  npm.stderr!.on('data', (b: Buffer) => output.push(b.toString()));
  const stateFile = join(dir, 'demo-state.json');
  const state = await eventually(() => (existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as DemoState) : undefined), 150_000, `the demo's state file\n${output.join('')}`);
  demo = { npm, dir, state, output };
  for (const url of Object.values(state.gateways)) await eventually(async () => ((await fetch(`${url}/v1/ready`).then((r) => r.status, () => 0)) === 200 ? true : undefined), 60_000, `${url} ready`);

  const victimName = `Canaryvictim${randomBytes(6).toString('hex')}`;
  const offenderName = `Canaryoffender${randomBytes(6).toString('hex')}`;
  const token = (e: string, role: 'liaison-officer' | 'interpol-desk') => officerToken(dir, e, role);
  const call = async (e: string, method: string, path: string, tok: string, body?: unknown) => {
    const res = await fetch(`${state.gateways[e]}${path}`, { method, headers: { authorization: `Bearer ${tok}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, text: await res.text() };
  };
  const tokens = { TH: await token('TH', 'liaison-officer'), LA: await token('LA', 'liaison-officer'), CN: await token('CN', 'liaison-officer'), INTERPOL: await token('INTERPOL', 'interpol-desk') };

  const victim = loadBody('victim-repatriation-notice') as unknown as { child: { names: { value: string }[] } };
  victim.child.names = victim.child.names.map((n, i) => (i === 0 ? { ...n, value: victimName } : n));
  const alert = loadBody('offender-travel-alert') as unknown as { subject: { names: { value: string }[] } };
  alert.subject.names = alert.subject.names.map((n, i) => (i === 0 ? { ...n, value: offenderName } : n));
  const notice = await call('TH', 'POST', '/v1/notices', tokens.TH, { type: 'victim-repatriation-notice', to: ['LA'], body: victim });
  const warning = await call('INTERPOL', 'POST', '/v1/notices', tokens.INTERPOL, { type: 'offender-travel-alert', to: ['LA', 'TH', 'CN'], body: alert });
  expect([notice.status, warning.status]).toEqual([202, 202]);
  const noticeId = (JSON.parse(notice.text) as { id: string }).id;
  const alertId = (JSON.parse(warning.text) as { id: string }).id;

  // Delivered and read by every recipient, the read receipts back at the senders.
  const readBy = async (from: string, id: string, n: number) =>
    eventually(async () => {
      const m = JSON.parse((await call(from, 'GET', `/v1/messages/${id}`, tokens[from as keyof typeof tokens])).text) as { recipients: { delivered: boolean; read: boolean }[] };
      return m.recipients.length === n && m.recipients.every((r) => r.read) ? true : undefined;
    }, 60_000, `${id} read by its ${n} recipients`);
  const reads: { status: number; text: string }[] = [];
  await eventually(async () => ((await call('LA', 'GET', `/v1/inbox/${noticeId}`, tokens.LA)).status === 200 ? true : undefined), 60_000, 'the notice at LA');
  reads.push(await call('LA', 'GET', `/v1/inbox/${noticeId}`, tokens.LA));
  for (const e of ['LA', 'TH', 'CN'] as const) {
    await eventually(async () => ((await call(e, 'GET', `/v1/inbox/${alertId}`, tokens[e])).status === 200 ? true : undefined), 60_000, `the alert at ${e}`);
    reads.push(await call(e, 'GET', `/v1/inbox/${alertId}`, tokens[e]));
  }
  await readBy('TH', noticeId, 1);
  await readBy('INTERPOL', alertId, 3);
  // The audit service has logged the reads (the last events of the flow), so its store is complete.
  const auditToken = await officerToken(dir, 'LA', 'auditor', undefined, 'audit');
  await eventually(async () => {
    const res = await fetch(`${state.audit}/v1/events?action=read&limit=50`, { headers: { authorization: `Bearer ${auditToken}` } });
    const page = (await res.json()) as { items?: unknown[] };
    return (page.items?.length ?? 0) >= 4 ? true : undefined;
  }, 60_000, 'the read events in the audit log');

  const victimForms = encodedForms(victimName);
  const offenderForms = encodedForms(offenderName);
  // Positive control: the scanner finds each name in what the parties' officers read.
  expect(victimForms.some((f) => reads[0]!.text.includes(f))).toBe(true);
  for (const r of reads.slice(1)) expect(offenderForms.some((f) => r.text.includes(f))).toBe(true);

  // Nowhere on the wire or in the broker: every topic's segments, the DLQ and mx.audit included.
  expect(state.brokerDir).toBeDefined();
  expect(filesContaining(state.brokerDir!, [...victimForms, ...offenderForms], state.brokerDir!)).toEqual([]);
  // Not in the audit store, any log file, or the stores of the endpoints that are not parties.
  expect(filesContaining(join(dir, 'data', 'audit'), [...victimForms, ...offenderForms], dir)).toEqual([]);
  expect(filesContaining(join(dir, 'logs'), [...victimForms, ...offenderForms], dir)).toEqual([]);
  expect(filesContaining(join(dir, 'data', 'CN'), victimForms, dir)).toEqual([]);
  expect(filesContaining(join(dir, 'data', 'INTERPOL'), [...victimForms, ...offenderForms], dir)).toEqual([]);
  expect(existsSync(join(dir, 'data', 'CN'))).toBe(true); // the negative scans looked at real stores

  // At rest: the stores, the logs and the broker's data are the owner's only.
  const open = [join(dir, 'data'), join(dir, 'logs'), state.brokerDir!].flatMap((root) =>
    [root, ...readdirSync(root, { recursive: true, encoding: 'utf8' }).map((f) => join(root, f))].filter((f) => existsSync(f) && (statSync(f).mode & 0o077) !== 0).map((f) => relative(dir, f)),
  );
  expect(open).toEqual([]);
});
