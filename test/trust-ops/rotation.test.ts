/**
 * Issue 11 acceptance: TH's signing key rotates while TH, LA and the audit service run as separate
 * processes, each with its own trust directory, under a steady trickle of TH → LA notices; once
 * with no restart at all, once with TH restarted on the new key before the others know it, once
 * with LA and the audit service restarted on the new public key before TH switches. Each time no
 * notice is lost, the audit log has no gap and verifies, and new records carry the new kid. The
 * tests share one deployment and rotate in turn: run the file whole.
 */
import { OpsDeployment, Trickle, kidOf } from './ops.ts';
import { eventually } from '../support/kafka.ts';
import { killAllProcesses } from '../support/processes.ts';

/** Generous: several processes start and restart on a loaded 2-core machine. */
const TIMEOUT_MS = 240_000;

let ops: OpsDeployment;
/** Every notice TH accepted in this file: each must end in LA's inbox. */
const everyNotice: string[] = [];

beforeAll(async () => {
  ops = await OpsDeployment.create('rotate');
  await Promise.all([ops.start('audit'), ops.start('LA')]);
  await ops.start('TH');
}, TIMEOUT_MS);

afterAll(async () => {
  await killAllProcesses();
});

/** After a rotation: every notice delivered, the newest with the new kid, the audit trail whole. */
async function afterRotation(trickle: Trickle, newKid: string): Promise<void> {
  // Enough notices after TH runs on the new key that some were certainly signed with it.
  await eventually(() => (trickle.accepted.length > 0 && ops.inboxAtLA(trickle.accepted.slice(-1)).get(trickle.accepted.at(-1)!)?.kid === newKid ? true : undefined), 90_000, 'a notice with the new kid at LA');
  await trickle.more(3);
  const ids = await trickle.stop();
  everyNotice.push(...ids);
  expect(trickle.refused).toEqual([]);
  await ops.allDelivered(ids);
  const inbox = ops.inboxAtLA([ids.at(-1)!]);
  expect(inbox.get(ids.at(-1)!)?.kid).toBe(newKid);
  const report = await ops.auditComplete();
  expect({ ok: report.ok, failures: report.failures }).toEqual({ ok: true, failures: [] });
  // TH's audit trail continues under the new key, and the audit service verified it.
  expect(kidOf(ops.trailOf('TH').newest!)).toBe(newKid);
}

test('(a) no restart: the new public key is published to LA and the audit service, then TH switches at its validFrom by itself', async () => {
  const trickle = new Trickle(ops).start();
  await trickle.more(2);
  const before = (await ops.deadLetters('LA')).length;
  // Lead time for the copy and one reload everywhere (1 s each, ten times over for a loaded
  // machine); TH switches on its own at validFrom.
  const key = await ops.rotate('TH', new Date(Date.now() + 10_000));
  const copiedAt = new Date();
  ops.publish('TH', ['LA', 'audit']);
  await ops.learned(['LA', 'audit'], copiedAt);
  await afterRotation(trickle, key.kid);
  // Published before use: nothing was ever parked.
  expect((await ops.deadLetters('LA')).slice(before)).toEqual([]);
  expect((await ops.quarantine()).filter((q) => q.reasonCode === 'UNKNOWN_KEY')).toEqual([]);
}, TIMEOUT_MS);

let parkedAtLA: { digest: string }[] = [];
let parkedAtAudit: { digest: string }[] = [];

test('(b) TH restarted with a new key before LA and the audit service know it: its records are parked as UNKNOWN_KEY, then admitted once LA gets the file and the audit service restarts with it', async () => {
  const trickle = new Trickle(ops).start();
  await trickle.more(2);
  await ops.stop('TH');
  const key = await ops.rotate('TH', new Date());
  await ops.start('TH');
  // LA and the audit service cannot check the new signatures yet: both park what TH sends.
  parkedAtLA = await eventually(async () => {
    const parked = (await ops.deadLetters('LA')).filter((d) => d.reasonCode === 'UNKNOWN_KEY');
    return parked.length >= 2 ? parked : undefined;
  }, 60_000, 'notices parked as UNKNOWN_KEY at LA');
  parkedAtAudit = await eventually(async () => {
    const parked = (await ops.quarantine()).filter((q) => q.reasonCode === 'UNKNOWN_KEY');
    return parked.length >= 1 ? parked : undefined;
  }, 60_000, 'audit events parked as UNKNOWN_KEY at the audit service');

  ops.publish('TH', ['LA']);
  await ops.stop('audit');
  ops.publish('TH', ['audit']);
  await ops.start('audit');
  await afterRotation(trickle, key.kid);
}, TIMEOUT_MS);

test('a record first quarantined as UNKNOWN_KEY is admitted once its key is published (at LA and at the audit service)', async () => {
  expect(parkedAtLA.length).toBeGreaterThanOrEqual(2);
  expect(parkedAtAudit.length).toBeGreaterThanOrEqual(1);
  // The very records that were parked (same bytes, so same digest) are now in LA's inbox and in the log.
  const inbox = ops.inboxDigestsAtLA();
  expect(parkedAtLA.filter((d) => !inbox.has(d.digest))).toEqual([]);
  const leaves = await ops.leafDigests();
  expect(parkedAtAudit.filter((q) => !leaves.has(q.digest))).toEqual([]);
}, TIMEOUT_MS);

test('(c) LA and the audit service restarted first with the new public key, then TH restarted with the new private key', async () => {
  const trickle = new Trickle(ops).start();
  await trickle.more(2);
  const parkedBefore = (await ops.deadLetters('LA')).filter((d) => d.reasonCode === 'UNKNOWN_KEY').length;
  const quarantinedBefore = (await ops.quarantine()).filter((q) => q.reasonCode === 'UNKNOWN_KEY').length;
  // The key is made offline (a copy of TH's key directory), so the running TH cannot pick it up early.
  const staging = ops.stagingCopy('TH');
  const key = await ops.rotate('TH', new Date(), staging);
  ops.publish('TH', ['LA', 'audit'], staging);
  await ops.restart('LA');
  await ops.restart('audit');
  await ops.stop('TH');
  ops.install('TH', staging);
  await ops.start('TH');
  await afterRotation(trickle, key.kid);
  // Everyone knew the key before TH used it: nothing new was parked.
  expect((await ops.deadLetters('LA')).filter((d) => d.reasonCode === 'UNKNOWN_KEY').length).toBe(parkedBefore);
  expect((await ops.quarantine()).filter((q) => q.reasonCode === 'UNKNOWN_KEY').length).toBe(quarantinedBefore);
}, TIMEOUT_MS);

test('after three rotations every notice TH ever accepted is in LA\'s inbox exactly once', () => {
  const inbox = ops.inboxAtLA(everyNotice);
  expect(everyNotice.filter((id) => !inbox.has(id))).toEqual([]);
  expect(new Set(everyNotice).size).toBe(everyNotice.length);
}, TIMEOUT_MS);
