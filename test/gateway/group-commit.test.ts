/**
 * Submissions that arrive together share one store commit (group-commit.ts), on real gateways and
 * the real broker. A burst of concurrent submissions: offender alerts, a withdrawal and a correction
 * of the same alert racing each other (their checks run again in their savepoints, so exactly one
 * wins, as if sequential), a retry with a stored Idempotency-Key and a reuse of that key with
 * another request. Every accepted alert is delivered exactly once, each refusal has its own code and
 * left nothing behind, and the gateway committed the burst in fewer commits than submissions.
 *
 * The burst goes to the gateway's exchange, the layer under the HTTP routes, all started in one
 * turn of the event loop: so it reaches the group commit together, as a burst of requests does under
 * load. Over HTTP from this one process the requests are answered one after another (the test's own
 * client and the gateways share the event loop), and then there is nothing to group; the HTTP
 * mapping of each code is tested with the routes (http.test.ts, revisions.test.ts).
 */
import type { Officer } from '../../services/core/src/idp/officer-auth.ts';
import { MxError } from '../../services/core/src/errors/mx-error.ts';
import { loadBody } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually } from '../support/kafka.ts';

let c: Cluster;

beforeAll(async () => {
  c = await startCluster(['LA', 'TH']);
});
afterAll(async () => {
  await c?.stop();
});

const officer: Officer = { pseudonym: 'group-commit-test-officer', endpoint: 'TH', agency: 'TH test agency', roles: new Set(['liaison-officer']) };

/** A submission's answer, or the code it was refused with. */
async function settle<T>(p: Promise<T>): Promise<{ ok: T } | { code: string }> {
  try {
    return { ok: await p };
  } catch (err) {
    if (err instanceof MxError) return { code: err.code };
    throw err;
  }
}

function count(endpoint: string, sql: string, ...args: unknown[]): number {
  return (c.gateways[endpoint]!.gateway.db.prepare(sql).get(...args) as { n: number }).n;
}

const alert = (over: Record<string, unknown> = {}) => ({ type: 'offender-travel-alert', to: ['LA'], body: loadBody('offender-travel-alert'), ...over });

test('a burst of concurrent submissions: each valid one accepted and delivered once, each refusal its own, fewer commits than submissions', async () => {
  const th = c.gateways.TH!.gateway;
  const ex = th.exchange;
  const first = await ex.submit(officer, alert());
  const key = `group-${Date.now()}`;
  const keyed = await ex.submit(officer, alert(), { key, fingerprint: 'the first request' });
  const before = ex.submissionCommits();

  // All started in this turn: none of them waits for anything but the others' commit.
  const burst = await Promise.all([
    ...Array.from({ length: 56 }, () => settle(ex.submit(officer, alert()))),
    settle(ex.withdraw(officer, first.id, { reason: 'travel-cancelled' })),
    settle(ex.correct(officer, first.id, { body: loadBody('offender-travel-alert') })),
    settle(ex.submit(officer, alert(), { key, fingerprint: 'the first request' })),
    settle(ex.submit(officer, alert(), { key, fingerprint: 'another request' })),
  ]);
  const sent = burst.slice(0, 56);
  const [w, corr, again, reused] = burst.slice(56) as [(typeof burst)[0], (typeof burst)[0], (typeof burst)[0], (typeof burst)[0]];

  for (const r of sent) expect('ok' in r).toBe(true);
  expect(again).toEqual({ ok: keyed });
  expect(reused).toEqual({ code: 'IDEMPOTENCY_KEY_REUSED' });
  // One revision of the alert wins; the other is refused for the winner's reason, as if it came after.
  const outcome = (r: (typeof burst)[0]) => ('ok' in r ? 'accepted' : r.code);
  expect([outcome(w), outcome(corr)]).toEqual('ok' in w ? ['accepted', 'ALREADY_WITHDRAWN'] : ['SUPERSEDED', 'accepted']);
  const winner = ('ok' in w ? w : (corr as { ok: { id: string } })).ok.id;
  // The refused revision left nothing: one message supersedes the alert, the winner.
  expect(count('TH', 'SELECT count(*) AS n FROM sent WHERE supersedes = ?', first.id)).toBe(1);
  expect(count('TH', 'SELECT count(*) AS n FROM sent WHERE id = ?', winner)).toBe(1);

  // Each accepted submission stored, audited and delivered exactly once; the retry sent nothing more.
  const accepted = [...sent.map((r) => (r as { ok: { id: string } }).ok.id), winner];
  expect(new Set(accepted).size).toBe(accepted.length);
  expect(count('TH', 'SELECT count(*) AS n FROM sent WHERE id = ?', keyed.id)).toBe(1);
  await eventually(() => (accepted.every((id) => count('LA', "SELECT count(*) AS n FROM inbox WHERE from_ep = 'TH' AND id = ?", id) === 1) ? true : undefined), 60_000, 'every accepted submission in the LA inbox');
  for (const id of [...accepted, keyed.id]) {
    expect({ id, inbox: count('LA', "SELECT count(*) AS n FROM inbox WHERE from_ep = 'TH' AND id = ?", id) }).toEqual({ id, inbox: 1 });
    expect({ id, outbox: count('TH', "SELECT count(*) AS n FROM outbox WHERE kind = 'notice' AND ref = ?", id) }).toEqual({ id, outbox: 1 });
    expect({ id, submitted: count('TH', "SELECT count(*) AS n FROM audit_events WHERE json_extract(fact, '$.action') = 'submitted' AND json_extract(fact, '$.messageId') = ?", id) }).toEqual({ id, submitted: 1 });
  }

  const after = ex.submissionCommits();
  const units = after.units - before.units;
  const commits = after.commits - before.commits;
  // Every submission that reached the store went through a group: the alerts and both revisions
  // (the loser may have been refused before it, by the first check); and they shared commits.
  expect(units).toBeGreaterThanOrEqual(sent.length + 1);
  expect(commits).toBeLessThan(units);
});
