/**
 * What the admin principal sets up on a cluster before any service starts: the topics with their
 * configs, and the ACLs that give each principal exactly what it needs. Idempotent: run it again
 * after the routing policy changes (it adds; revoking a grant is an operator's explicit act).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs, { type Kafka } from 'kafkajs';
import { ensureKafkaJars } from './local-broker.ts';
import { AUDIT_TOPIC_CONFIG, DLQ_TOPIC_CONFIG, ensureTopics, INBOX_TOPIC_CONFIG, topicNames, type TopicSpec } from './transport.ts';
import { ADMIN_PRINCIPAL, AUDIT_PRINCIPAL, gatewayPrincipal, kafkajsSecurity, type KafkaClientSecurity } from './security.ts';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka: KafkaClient, logLevel, ResourcePatternTypes } = kafkajs;

export type AclOperation = 'READ' | 'WRITE' | 'DESCRIBE';

/** One ALLOW grant on a literal resource. */
export interface Grant {
  principal: string;
  resource: 'topic' | 'group';
  name: string;
  operations: AclOperation[];
}

export interface ProvisionPlan {
  topics: TopicSpec[];
  grants: Grant[];
}

/**
 * The plan for a deployment: `sendsTo` maps each gateway to the endpoints the routing policy lets
 * it send anything to (receipts included). A gateway WRITEs those inboxes, its own DLQ and
 * `mx.audit`, and READs its own inbox with its own group; the audit service READs `mx.audit` with
 * its group. WRITE and READ imply DESCRIBE in Kafka's authorizer, and since Kafka 3.0 WRITE on a
 * topic also allows an idempotent producer's InitProducerId (no cluster IDEMPOTENT_WRITE).
 *
 * Every topic gets `replicationFactor` (default 1) and the min ISR that goes with it, and its
 * retention; the retention (and `mx.audit`'s timestamp type) is also put on topics that exist
 * already, so running the plan again brings an older deployment's topics to it. Replication factor
 * and min ISR stay as a topic was created (more replicas is a partition reassignment).
 */
export function provisionPlan(opts: { sendsTo: Record<string, string[]>; prefix?: string; partitions?: number; replicationFactor?: number; auditGroup?: string }): ProvisionPlan {
  const prefix = opts.prefix ?? '';
  const t = topicNames(prefix);
  const partitions = opts.partitions ?? 3;
  const replicationFactor = opts.replicationFactor ?? 1;
  const endpoints = [...new Set([...Object.keys(opts.sendsTo), ...Object.values(opts.sendsTo).flat()])].sort();
  // Set here, by the topics' creator: no service holds AlterConfigs (see AUDIT_TOPIC_CONFIG).
  const topics: TopicSpec[] = [
    ...endpoints.flatMap((e) => [
      { topic: t.inbox(e), numPartitions: partitions, replicationFactor, configEntries: INBOX_TOPIC_CONFIG, enforceConfig: true },
      { topic: t.dlq(e), numPartitions: 1, replicationFactor, configEntries: DLQ_TOPIC_CONFIG, enforceConfig: true },
    ]),
    { topic: t.audit, numPartitions: partitions, replicationFactor, configEntries: AUDIT_TOPIC_CONFIG, enforceConfig: true },
  ];
  const grants: Grant[] = [];
  for (const [e, targets] of Object.entries(opts.sendsTo)) {
    const principal = gatewayPrincipal(e);
    for (const to of [...new Set(targets)].filter((x) => x !== e).sort()) grants.push({ principal, resource: 'topic', name: t.inbox(to), operations: ['WRITE'] });
    grants.push({ principal, resource: 'topic', name: t.dlq(e), operations: ['WRITE'] });
    grants.push({ principal, resource: 'topic', name: t.audit, operations: ['WRITE'] });
    grants.push({ principal, resource: 'topic', name: t.inbox(e), operations: ['READ'] });
    grants.push({ principal, resource: 'group', name: `${prefix}mx-gateway-${e}`, operations: ['READ'] });
  }
  grants.push({ principal: AUDIT_PRINCIPAL, resource: 'topic', name: t.audit, operations: ['READ'] });
  grants.push({ principal: AUDIT_PRINCIPAL, resource: 'group', name: `${prefix}${opts.auditGroup ?? 'mx-audit'}`, operations: ['READ'] });
  return { topics, grants };
}

/** Creates the plan's topics (with their configs) and ACLs. `kafka` must connect as the admin principal. */
export async function provisionKafka(kafka: Kafka, plan: ProvisionPlan): Promise<{ topics: number; acls: number }> {
  await ensureTopics(kafka, plan.topics);
  const acl = plan.grants.flatMap((g) =>
    g.operations.map((op) => ({
      resourceType: g.resource === 'topic' ? AclResourceTypes.TOPIC : AclResourceTypes.GROUP,
      resourceName: g.name,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: `User:${g.principal}`,
      host: '*',
      operation: AclOperationTypes[op],
      permissionType: AclPermissionTypes.ALLOW,
    })),
  );
  if (acl.length > 0) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      // Creating an ACL that exists already is a no-op for the broker.
      await admin.createAcls({ acl });
      // The broker applies new ACLs through its metadata log, a moment later: a client that starts
      // right after provisioning would be refused. Return once the broker lists every binding.
      const key = (r: { resourceType: number; resourceName: string }, a: { principal: string; operation: number }) => `${r.resourceType}|${r.resourceName}|${a.principal}|${a.operation}`;
      const wanted = new Set(acl.map((a) => key(a, a)));
      const deadline = Date.now() + 30_000;
      for (;;) {
        const listed = await admin
          .describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ALLOW })
          .catch(() => undefined);
        const have = new Set((listed?.resources ?? []).flatMap((r) => r.acls.map((a) => key(r, a))));
        if ([...wanted].every((k) => have.has(k))) break;
        if (Date.now() > deadline) throw new Error('the broker did not list the new ACLs within 30 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await admin.disconnect();
    }
  }
  return { topics: plan.topics.length, acls: acl.length };
}

/** Whether the broker refused a login (SASL), as opposed to being unreachable or slow. */
function isAuthenticationFailure(e: unknown, depth = 0): boolean {
  if (e === null || typeof e !== 'object' || depth > 6) return false;
  const x = e as { name?: unknown; type?: unknown; cause?: unknown; originalError?: unknown };
  if (x.name === 'KafkaJSSASLAuthenticationError' || x.type === 'SASL_AUTHENTICATION_FAILED') return true;
  return isAuthenticationFailure(x.cause, depth + 1) || isAuthenticationFailure(x.originalError, depth + 1);
}

/**
 * Does the broker accept a SCRAM login of this principal with this password? A refused login is
 * `false`; anything else (broker unreachable, TLS trouble) is thrown: it says nothing about the user.
 */
export async function acceptsLogin(brokers: string[], security: KafkaClientSecurity): Promise<boolean> {
  const admin = new KafkaClient({ clientId: 'mx-provision-login', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 5000, retry: { retries: 0 }, ...kafkajsSecurity(security) }).admin();
  try {
    // The SASL handshake runs when the admin connects to its seed broker.
    await admin.connect();
    return true;
  } catch (e) {
    if (isAuthenticationFailure(e)) return false;
    throw e;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

// Characters that need no escaping in a Java properties value nor inside a JAAS quoted string.
const PLAIN_SECRET = /^[A-Za-z0-9._~+/=-]+$/;

function plainSecret(what: string, value: string): string {
  if (!PLAIN_SECRET.test(value)) throw new Error(`${what} holds characters other than letters, digits and ._~+/=- (the password files mx creates never do)`);
  return value;
}

/** The SCRAM iteration count of credentials made here (the broker's minimum for SHA-512 is 4096). */
export const SCRAM_ITERATIONS = 8192;

/**
 * Sets one user's SCRAM-SHA-512 credential on a running cluster with Kafka's own ConfigCommand
 * (kafkajs has no AlterUserScramCredentials), as the admin principal. Neither password is ever on
 * a command line: the admin's client properties and the new credential go to owner-only files in
 * a private temporary directory (`--command-config`, `--add-config-file`), removed afterwards.
 */
export async function alterScramCredential(brokers: string[], admin: KafkaClientSecurity, user: string, password: string): Promise<void> {
  let lib: string;
  try {
    ({ lib } = ensureKafkaJars());
  } catch (e) {
    throw new Error(`setting the SCRAM credential of ${user} runs Kafka's ConfigCommand, which needs Java and the Kafka jars here (or run kafka-configs.sh --add-config-file on the cluster): ${(e as Error).message}`);
  }
  const work = mkdtempSync(join(tmpdir(), 'mx-scram-'));
  try {
    const ca = join(work, 'ca.pem');
    const clientProps = join(work, 'admin.properties');
    const credential = join(work, 'credential.properties');
    writeFileSync(ca, admin.caPem, { mode: 0o600 });
    writeFileSync(
      clientProps,
      [
        'security.protocol=SASL_SSL',
        'sasl.mechanism=SCRAM-SHA-512',
        `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${plainSecret('the admin user name', admin.username)}" password="${plainSecret("the admin's password file", admin.password)}";`,
        'ssl.truststore.type=PEM',
        `ssl.truststore.location=${ca}`,
        'ssl.endpoint.identification.algorithm=https',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    // From a file the value is taken as written: no square brackets (those only group --add-config's list).
    writeFileSync(credential, `SCRAM-SHA-512=iterations=${SCRAM_ITERATIONS},password=${plainSecret(`the password file of ${user}`, password)}\n`, { mode: 0o600 });
    const args = ['-Xmx256m', '-Djava.awt.headless=true', '-cp', `${lib}/*`, 'kafka.admin.ConfigCommand', '--bootstrap-server', brokers.join(','), '--command-config', clientProps, '--alter', '--entity-type', 'users', '--entity-name', user, '--add-config-file', credential];
    await new Promise<void>((resolve, reject) => {
      execFile('java', args, { encoding: 'utf8', timeout: 120_000, env: process.env }, (err, stdout, stderr) => {
        if (!err) return resolve();
        // The tool may echo a rejected credential: whatever it said, no password leaves here.
        const said = `${stdout}${stderr}`.split(password).join('***').split(admin.password).join('***').trim().split('\n').slice(-8).join('\n');
        reject(new Error(`setting the SCRAM credential of ${user} failed (${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'java is not on PATH' : `exit ${err.code ?? err.signal}`}): ${said}`));
      });
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Makes sure the broker accepts a SCRAM login of every user with its password: a user it refuses
 * (new, or its password file replaced) gets its credential set on the running cluster, and this
 * returns once the broker accepts that login (credentials reach the broker through its metadata
 * log, a moment after the change). The admin is not among `users`: it must work already. Returns
 * the users whose credential was set.
 */
export async function ensureScramCredentials(brokers: string[], admin: KafkaClientSecurity, users: Record<string, string>, opts: { timeoutMs?: number } = {}): Promise<string[]> {
  const as = (username: string, password: string): KafkaClientSecurity => ({ caPem: admin.caPem, username, password });
  const changed: string[] = [];
  for (const [user, password] of Object.entries(users).sort(([a], [b]) => a.localeCompare(b))) {
    if (user === ADMIN_PRINCIPAL) continue;
    if (await acceptsLogin(brokers, as(user, password))) continue;
    await alterScramCredential(brokers, admin, user, password);
    changed.push(user);
  }
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (const user of changed) {
    while (!(await acceptsLogin(brokers, as(user, users[user]!)))) {
      if (Date.now() > deadline) throw new Error(`the broker did not accept a login of ${user} within ${opts.timeoutMs ?? 30_000} ms of setting its SCRAM credential`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return changed;
}
