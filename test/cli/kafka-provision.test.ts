/** `mx kafka provision --replication-factor`: checked as a usage, and handed to the broker. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testKafka, testKafkaSecretsDir, uniqueName } from '../support/kafka.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function provision(prefix: string, replicationFactor: string) {
  const secrets = testKafkaSecretsDir();
  if (secrets === undefined) throw new Error('the test broker is secured by the global set-up (MX_KAFKA_SECRETS_DIR)');
  return spawnSync('npx', ['--no-install', 'mx', 'kafka', 'provision', '--dir', secrets, '--endpoints', 'LA,TH', '--prefix', prefix, '--partitions', '1', '--replication-factor', replicationFactor], { cwd: REPO_ROOT, encoding: 'utf8', env: process.env });
}

test('--replication-factor that is not an integer from 1 to 16 is a usage error (exit 2)', () => {
  for (const bad of ['0', '17', '1.5', 'three']) {
    const r = provision(`${uniqueName('rf-bad')}.`, bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--replication-factor must be an integer from 1 to 16/);
  }
}, 60_000);

test('without the flag MX_TOPIC_REPLICATION_FACTOR is the default, checked the same way', () => {
  const secrets = testKafkaSecretsDir()!;
  const r = spawnSync('npx', ['--no-install', 'mx', 'kafka', 'provision', '--dir', secrets, '--endpoints', 'LA,TH', '--prefix', `${uniqueName('rf-env')}.`], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, MX_TOPIC_REPLICATION_FACTOR: '0' } });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/--replication-factor must be an integer from 1 to 16/);
}, 30_000);

test('the replication factor reaches the broker: 2 on the one-broker test cluster is refused, naming each topic; 1 creates them', async () => {
  const prefix = `${uniqueName('rf')}.`;
  const refused = provision(prefix, '2');
  expect(refused.status).toBe(1);
  expect(refused.stderr).toMatch(new RegExp(`${prefix.replace('.', '\\.')}mx\\.inbox\\.LA: INVALID_REPLICATION_FACTOR`));
  const admin = testKafka(uniqueName('rf-check')).admin();
  await admin.connect();
  try {
    expect((await admin.listTopics()).filter((t) => t.startsWith(prefix))).toEqual([]);
    const ok = provision(prefix, '1');
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const meta = await admin.fetchTopicMetadata({ topics: [`${prefix}mx.inbox.LA`] });
    expect(meta.topics[0]!.partitions.map((p) => p.replicas.length)).toEqual([1]);
  } finally {
    await admin.disconnect();
  }
}, 60_000);
