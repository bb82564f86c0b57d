/**
 * What the admin principal sets up on a cluster before any service starts: the topics with their
 * configs, and the ACLs that give each principal exactly what it needs. Idempotent: run it again
 * after the routing policy changes (it adds; revoking a grant is an operator's explicit act).
 */
import kafkajs, { type Kafka } from 'kafkajs';
import { AUDIT_TOPIC_CONFIG, ensureTopics, topicNames, type TopicSpec } from './transport.ts';
import { AUDIT_PRINCIPAL, gatewayPrincipal } from './security.ts';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

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
 */
export function provisionPlan(opts: { sendsTo: Record<string, string[]>; prefix?: string; partitions?: number; auditGroup?: string }): ProvisionPlan {
  const prefix = opts.prefix ?? '';
  const t = topicNames(prefix);
  const partitions = opts.partitions ?? 3;
  const endpoints = [...new Set([...Object.keys(opts.sendsTo), ...Object.values(opts.sendsTo).flat()])].sort();
  const topics: TopicSpec[] = [
    ...endpoints.flatMap((e) => [
      { topic: t.inbox(e), numPartitions: partitions },
      { topic: t.dlq(e), numPartitions: 1 },
    ]),
    // Set here, by the topic's creator: no service holds AlterConfigs (see AUDIT_TOPIC_CONFIG).
    { topic: t.audit, numPartitions: partitions, configEntries: AUDIT_TOPIC_CONFIG, enforceConfig: true },
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
