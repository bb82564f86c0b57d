/**
 * A deployment's Kafka side: its principals' SCRAM passwords, and provisioning (topics with their
 * configs, ACLs from the routing policy) as the admin principal. `mx kafka provision`, the demo,
 * the benchmarks and the test set-up all call {@link provisionDeploymentKafka}.
 */
import { existsSync, readFileSync } from 'node:fs';
import { MESSAGE_TYPES } from '../../../core/src/schemas/registry.ts';
import { ensureScramCredentials, provisionKafka, provisionPlan } from '../../../core/src/kafka/provision.ts';
import { ADMIN_PRINCIPAL, AUDIT_PRINCIPAL, ensureKafkaPasswords, gatewayPrincipal, kafkaCaFile, kafkaPasswordFile, type KafkaClientSecurity } from '../../../core/src/kafka/security.ts';
import { createKafka } from '../../../core/src/kafka/transport.ts';
import { DEFAULT_ROUTING_POLICY } from '../../../gateway/src/config.ts';
import { RoutingPolicy } from '../../../gateway/src/policy.ts';

/** Every principal a deployment of these endpoints needs: the admin, the audit service, one per gateway. */
export function kafkaPrincipals(endpoints: readonly string[]): string[] {
  return [ADMIN_PRINCIPAL, AUDIT_PRINCIPAL, ...endpoints.map(gatewayPrincipal)];
}

/** Creates (or reuses) the SCRAM password files of a deployment's principals under `secretsDir`. */
export function ensureDeploymentKafkaPasswords(secretsDir: string, endpoints: readonly string[]): Record<string, string> {
  return ensureKafkaPasswords(secretsDir, kafkaPrincipals(endpoints));
}

/**
 * A principal's credentials from a deployment's secrets, or undefined when it has no Kafka CA
 * (then the cluster is a PLAINTEXT one the deployment did not set up).
 */
export function deploymentKafkaSecurity(secretsDir: string, principal: string): KafkaClientSecurity | undefined {
  if (!existsSync(kafkaCaFile(secretsDir))) return undefined;
  return { caPem: readFileSync(kafkaCaFile(secretsDir), 'utf8'), username: principal, password: readFileSync(kafkaPasswordFile(secretsDir, principal), 'utf8').trim() };
}

/** Which endpoints each gateway may send anything to (receipts included), per the routing policy. */
export function sendsTo(policy: RoutingPolicy, endpoints: readonly string[]): Record<string, string[]> {
  return Object.fromEntries(endpoints.map((from) => [from, endpoints.filter((to) => MESSAGE_TYPES.some((type) => policy.allows(type, from, to)))]));
}

export interface ProvisionOptions {
  brokers: string[];
  /** Directory holding the Kafka secrets (admin password, CA); none: a PLAINTEXT cluster. */
  secretsDir: string | undefined;
  endpoints: readonly string[];
  topicPrefix?: string;
  routingPolicyFile?: string;
  partitions?: number;
  /** Replication factor of the topics it creates (default 1); min ISR 2 from 3 up. */
  replicationFactor?: number;
  auditGroup?: string;
}

/**
 * Creates the deployment's topics and, on a secured cluster, its principals' SCRAM credentials
 * and its ACLs, connected as the admin principal. Idempotent, and made for a running cluster: a
 * new endpoint gets a password file (when absent) and a credential the broker accepts before this
 * returns. On a PLAINTEXT cluster (no CA in the deployment) only the topics: it has no authorizer.
 */
export async function provisionDeploymentKafka(o: ProvisionOptions): Promise<{ topics: number; acls: number; secured: boolean; credentialsSet: string[] }> {
  const policy = RoutingPolicy.fromFile(o.routingPolicyFile ?? DEFAULT_ROUTING_POLICY);
  const plan = provisionPlan({ sendsTo: sendsTo(policy, o.endpoints), ...(o.topicPrefix !== undefined ? { prefix: o.topicPrefix } : {}), ...(o.partitions !== undefined ? { partitions: o.partitions } : {}), ...(o.replicationFactor !== undefined ? { replicationFactor: o.replicationFactor } : {}), ...(o.auditGroup !== undefined ? { auditGroup: o.auditGroup } : {}) });
  const security = o.secretsDir === undefined ? undefined : deploymentKafkaSecurity(o.secretsDir, ADMIN_PRINCIPAL);
  // Credentials first: once its ACLs are listed, a principal can already log in and use them.
  const credentialsSet = security && o.secretsDir !== undefined ? await ensureScramCredentials(o.brokers, security, ensureDeploymentKafkaPasswords(o.secretsDir, o.endpoints)) : [];
  const kafka = createKafka({ brokers: o.brokers, clientId: 'mx-provision', ...(security ? { security } : {}) });
  const done = await provisionKafka(kafka, security ? plan : { ...plan, grants: [] });
  return { ...done, secured: security !== undefined, credentialsSet };
}
