/**
 * Submissions that arrive together share one store commit (group-commit.ts), on real gateways and
 * the real broker. A burst of concurrent POSTs: offender alerts, a withdrawal and a correction of
 * the same alert racing each other (their checks run again in their savepoints, so exactly one
 * wins, as if sequential), a retry with a stored Idempotency-Key and a reuse of that key with
 * another body. Every accepted alert is delivered exactly once, each refusal has its own code and
 * left nothing behind, and the gateway committed the burst in fewer commits than submissions.
 */
import { loadBody } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';

let c: Cluster;
let token: string;

beforeAll(async () => {
  c = await startCluster(['LA', 'TH']);
  token = await c.token('TH', ['liaison-officer']);
});
afterAll(async () => {
  await c?.stop();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${c.gateways.TH!.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

function count(endpoint: string, sql: string, ...args: unknown[]): number {
  return (c.gateways[endpoint]!.gateway.db.prepare(sql).get(...args) as { n: number }).n;
}

const alert = (over: Record<string, unknown> = {}) => ({ type: 'offender-travel-alert', to: ['LA'], body: loadBody('offender-travel-alert'), ...over });

test('a burst of concurrent submissions: each valid one accepted and delivered once, each refusal its own, fewer commits than submissions', async () => {
  const th = c.gateways.TH!.gateway;
  const first = await post('/v1/notices', alert());
  expect(first.status).toBe(202);
  const key = `group-${Date.now()}`;
  const keyed = await post('/v1/notices', alert(), { 'idempotency-key': key });
  expect(keyed.status).toBe(202);
  const before = th.exchange.submissionCommits();

  const alerts = Array.from({ length: 56 }, () => post('/v1/notices', alert()));
  const withdrawal = post(`/v1/messages/${first.body.id}/withdrawal`, { reason: 'travel-cancelled' });
  const correction = post(`/v1/messages/${first.body.id}/corrections`, { body: loadBody('offender-travel-alert') });
  const retry = post('/v1/notices', alert(), { 'idempotency-key': key });
  const reuse = post('/v1/notices', alert({ expiresAt: new Date(Date.now() + 3_600_000).toISOString() }), { 'idempotency-key': key });
  const sent = await Promise.all(alerts);
  const [w, corr, again, reused] = await Promise.all([withdrawal, correction, retry, reuse]);

  for (const r of sent) expect({ status: r.status, code: r.body.code }).toEqual({ status: 202, code: undefined });
  expect({ status: again.status, body: again.body }).toEqual({ status: 202, body: keyed.body });
  expect({ status: reused.status, code: reused.body.code }).toEqual({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
  // One revision of the alert wins; the other is refused for the winner's reason, as if it came after.
  const revisions = [w, corr].map((r) => ({ status: r.status, code: r.body.code }));
  expect(revisions).toEqual(
    w.status === 202 ? [{ status: 202, code: undefined }, { status: 409, code: 'ALREADY_WITHDRAWN' }] : [{ status: 409, code: 'SUPERSEDED' }, { status: 202, code: undefined }],
  );
  const winner = (w.status === 202 ? w : corr).body.id as string;
  // The refused revision left nothing: one message supersedes the alert, the winner.
  expect(count('TH', 'SELECT count(*) AS n FROM sent WHERE supersedes = ?', first.body.id)).toBe(1);
  expect(count('TH', 'SELECT count(*) AS n FROM sent WHERE id = ?', winner)).toBe(1);

  // Each accepted submission stored, audited and delivered exactly once; the retry sent nothing more.
  const accepted = [...sent.map((r) => r.body.id as string), winner];
  expect(new Set(accepted).size).toBe(accepted.length);
  expect(count('TH', 'SELECT count(*) AS n FROM sent WHERE id = ?', keyed.body.id)).toBe(1);
  await eventually(() => (accepted.every((id) => count('LA', "SELECT count(*) AS n FROM inbox WHERE from_ep = 'TH' AND id = ?", id) === 1) ? true : undefined), 60_000, 'every accepted submission in the LA inbox');
  for (const id of [...accepted, keyed.body.id as string]) {
    expect({ id, inbox: count('LA', "SELECT count(*) AS n FROM inbox WHERE from_ep = 'TH' AND id = ?", id) }).toEqual({ id, inbox: 1 });
    expect({ id, outbox: count('TH', "SELECT count(*) AS n FROM outbox WHERE kind = 'notice' AND ref = ?", id) }).toEqual({ id, outbox: 1 });
    expect({ id, submitted: count('TH', "SELECT count(*) AS n FROM audit_events WHERE json_extract(fact, '$.action') = 'submitted' AND json_extract(fact, '$.messageId') = ?", id) }).toEqual({ id, submitted: 1 });
  }

  const after = th.exchange.submissionCommits();
  const units = after.units - before.units;
  const commits = after.commits - before.commits;
  // Every submission that reached the store went through a group: the alerts and both revisions
  // (the loser may have been refused before it, by the first check); and they shared commits.
  expect(units).toBeGreaterThanOrEqual(sent.length + 1);
  expect(commits).toBeLessThan(units);
});
