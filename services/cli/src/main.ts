/**
 * `mx`: the command line of Mekong Exchange.
 *
 *   mx demo [--exit-after-scenario | --no-scenario]  broker, four gateways, audit service, scripted scenario
 *   mx setup --dir DIR [--endpoints LA,TH,CN,INTERPOL]  keys, trust directory, dev identity provider, Kafka CA and passwords
 *   mx kafka provision --dir DIR [--endpoints ...] [--prefix P] [--replication-factor N]  SCRAM credentials, topics and ACLs, as the Kafka admin principal
 *   mx keys init|rotate --endpoint EP --dir DIR  an endpoint's keys (init: and its pseudonym key)
 *   mx token --endpoint EP [--role ROLE] [--for gateway|audit]  a token from the demo's dev identity provider
 *   mx send (--endpoint EP | --url URL --token T) --type T --to A,B [--case-ref R] [--in-reply-to ID] --body FILE
 *   mx inbox (--endpoint EP | --url URL --token T) [ID] [--type T] [--status S]
 *   mx message (--endpoint EP | --url URL --token T) ID
 *   mx audit verify ...                   see `mx audit verify --help`
 */
import { parseArgs } from 'node:util';
import { keysInit, keysRotate } from './commands/keys.ts';
import { distributeSecrets } from './deployment/distribute.ts';
import { DEMO_ENDPOINTS, setupAudit, setupDeployment } from './deployment/setup.ts';
import { provisionDeploymentKafka } from './deployment/kafka.ts';
import { ensureBrokerTls, kafkaCaFile } from '../../core/src/kafka/security.ts';
import { inboxCommand, messageCommand, sendCommand, tokenCommand, UsageError } from './commands/officer.ts';
import { demoCommand } from './demo/demo.ts';

const USAGE = `usage:
  mx demo [--exit-after-scenario | --no-scenario] [--dir DIR]
  mx setup --dir DIR [--endpoints LA,TH,CN,INTERPOL] [--distribute OUT]
  mx kafka provision --dir DIR [--endpoints LA,TH,CN,INTERPOL] [--prefix P] [--partitions N] [--replication-factor N] [--routing-policy FILE]   (KAFKA_BROKERS names the cluster)
  mx keys init|rotate --endpoint EP --dir DIR [--valid-from T] [--valid-until T | --valid-days N]
  mx token --endpoint EP [--role liaison-officer|interpol-desk|auditor|analyst] [--subject S] [--for gateway|audit]
  mx send (--endpoint EP | --url URL --token TOKEN) --type TYPE --to EP[,EP] [--case-ref REF] [--in-reply-to ID] --body FILE.json
  mx inbox (--endpoint EP | --url URL --token TOKEN) [ID] [--type TYPE] [--status unread|read|responded]
  mx message (--endpoint EP | --url URL --token TOKEN) ID
    (--endpoint: a gateway of the running demo; --url: any gateway, with an officer token from --token or MX_TOKEN)
  mx audit verify --url URL --audit-key FILE --trust DIR [--token T] [--sample N] [--state FILE] | --bundle FILE ...`;

async function run(argv: string[]): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  switch (cmd) {
    case 'demo':
      return demoCommand(argv.slice(1));
    case 'setup': {
      const { values } = parseArgs({ args: argv.slice(1), options: { dir: { type: 'string' }, endpoints: { type: 'string' }, distribute: { type: 'string' } } });
      if (!values.dir) throw new UsageError('--dir is required');
      const dep = await setupDeployment(values.dir, values.endpoints ? values.endpoints.split(',') : DEMO_ENDPOINTS);
      const audit = await setupAudit(dep);
      // The CA and the broker certificate for a broker of this deployment (docker-compose's, say).
      const tls = ensureBrokerTls(dep.dir);
      process.stdout.write(`deployment under ${dep.dir}: trust ${dep.trustDir}, identity provider JWKS ${dep.idpPublicJwks}, audit service key ${audit.publicKeyFile}, Kafka CA ${kafkaCaFile(dep.dir)} and broker keystore ${tls.keystore}, endpoints ${dep.endpoints.join(', ')}\n`);
      if (values.distribute) {
        const bundles = distributeSecrets(dep, values.distribute);
        for (const [service, files] of Object.entries(bundles)) process.stdout.write(`  ${values.distribute}/${service}: ${files.join(', ')}\n`);
      }
      return 0;
    }
    case 'kafka': {
      if (sub !== 'provision') break;
      const { values } = parseArgs({ args: rest, options: { dir: { type: 'string' }, endpoints: { type: 'string' }, prefix: { type: 'string' }, partitions: { type: 'string' }, 'replication-factor': { type: 'string' }, 'routing-policy': { type: 'string' } } });
      if (!values.dir) throw new UsageError('--dir is required');
      if (!process.env.KAFKA_BROKERS) throw new UsageError('KAFKA_BROKERS must name the cluster');
      const partitions = values.partitions === undefined ? undefined : Number(values.partitions);
      if (partitions !== undefined && !(Number.isInteger(partitions) && partitions >= 1 && partitions <= 64)) throw new UsageError('--partitions must be an integer from 1 to 64');
      // The services' own setting, when the flag is not given: one value for a whole deployment's environment.
      const rfRaw = values['replication-factor'] ?? (process.env.MX_TOPIC_REPLICATION_FACTOR || undefined);
      const replicationFactor = rfRaw === undefined ? undefined : Number(rfRaw);
      if (replicationFactor !== undefined && !(Number.isInteger(replicationFactor) && replicationFactor >= 1 && replicationFactor <= 16)) throw new UsageError('--replication-factor must be an integer from 1 to 16 (default: MX_TOPIC_REPLICATION_FACTOR, else 1)');
      const done = await provisionDeploymentKafka({
        brokers: process.env.KAFKA_BROKERS.split(','),
        secretsDir: values.dir,
        endpoints: values.endpoints ? values.endpoints.split(',') : DEMO_ENDPOINTS,
        ...(values.prefix !== undefined ? { topicPrefix: values.prefix } : {}),
        ...(partitions !== undefined ? { partitions } : {}),
        ...(replicationFactor !== undefined ? { replicationFactor } : {}),
        ...(values['routing-policy'] !== undefined ? { routingPolicyFile: values['routing-policy'] } : {}),
      });
      process.stdout.write(`provisioned ${done.topics} topics${done.secured ? ` and ${done.acls} ACLs as the admin principal` : ' (PLAINTEXT cluster: no ACLs)'}${done.credentialsSet.length > 0 ? `; SCRAM credentials set for ${done.credentialsSet.join(', ')}` : ''}\n`);
      return 0;
    }
    case 'keys':
      if (sub === 'init') return (await keysInit(rest), 0);
      if (sub === 'rotate') return (await keysRotate(rest), 0);
      break;
    case 'token':
      return tokenCommand(argv.slice(1));
    case 'send':
      return sendCommand(argv.slice(1));
    case 'inbox':
      return inboxCommand(argv.slice(1));
    case 'message':
      return messageCommand(argv.slice(1));
    case 'audit':
      if (sub === 'verify') {
        const { auditVerify } = await import('./commands/audit-verify.ts');
        return auditVerify(rest);
      }
      break;
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
  }
  throw new UsageError(`unknown command: ${argv.join(' ')}`);
}

let code: number;
try {
  code = await run(process.argv.slice(2));
} catch (err) {
  const e = err as Error & { code?: string };
  process.stderr.write(`mx: ${e.message}\n`);
  if (e instanceof UsageError || e.code === 'VALIDATION_FAILED') process.stderr.write(`${USAGE}\n`);
  code = e instanceof UsageError ? 2 : 1;
}
// Idle keep-alive sockets of fetch must not keep a finished command alive.
process.exit(code);
