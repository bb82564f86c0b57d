/**
 * `mx`: the command line of Mekong Exchange. Its commands, their options and the exit codes are
 * tables (commands/table.ts, commands/exit-codes.ts): `mx --help` and `mx <command> --help` print
 * them. This file dispatches and keeps each command's own logic (or calls its module).
 */
import { keysInit, keysRotate } from './commands/keys.ts';
import { distributeSecrets } from './deployment/distribute.ts';
import { DEMO_ENDPOINTS, setupAudit, setupDeployment } from './deployment/setup.ts';
import { provisionDeploymentKafka } from './deployment/kafka.ts';
import { ensureBrokerTls, kafkaCaFile } from '../../core/src/kafka/security.ts';
import { inboxCommand, messageCommand, sendCommand, tokenCommand } from './commands/officer.ts';
import { demoCommand } from './demo/demo.ts';
import { commandUsage, groupUsage, parseCommand, str, topUsage } from './commands/args.ts';
import { COMMANDS } from './commands/table.ts';
import { exitOf, UsageError } from './commands/exit-codes.ts';
import { terminalProgress } from './commands/progress.ts';

const HELP_FLAGS = ['--help', '-h'];

/** The command `argv` names (two words first: `audit verify`), and its arguments. */
function commandOf(argv: string[]): { name: string; args: string[] } | undefined {
  const two = `${argv[0]} ${argv[1]}`;
  if (COMMANDS.some((c) => c.name === two)) return { name: two, args: argv.slice(2) };
  if (COMMANDS.some((c) => c.name === argv[0])) return { name: argv[0]!, args: argv.slice(1) };
  return undefined;
}

/** The usage of a command, of a group (`keys`), or the top-level one. */
function usageText(name: string | undefined): string {
  if (name !== undefined && COMMANDS.some((c) => c.name === name)) return commandUsage(name);
  return (name !== undefined ? groupUsage(name) : undefined) ?? topUsage();
}

/** The command being run, for the usage printed with an error. */
let current: string | undefined;

async function run(argv: string[]): Promise<number> {
  const [first, ...afterFirst] = argv;
  if (first === undefined || HELP_FLAGS.includes(first) || first === 'help') {
    const about = first === 'help' && afterFirst.length > 0 ? (commandOf(afterFirst)?.name ?? afterFirst[0]) : undefined;
    if (about !== undefined && !commandOf(afterFirst) && !groupUsage(about)) throw new UsageError(`unknown command: ${afterFirst.join(' ')}`);
    process.stdout.write(`${usageText(about)}\n`);
    return 0;
  }
  const found = commandOf(argv);
  if (found === undefined) {
    // A group (`mx keys`, `mx kafka --help`): its subcommands.
    if (groupUsage(first) !== undefined) {
      current = first;
      if (afterFirst.length > 0 && HELP_FLAGS.includes(afterFirst[0]!)) {
        process.stdout.write(`${usageText(first)}\n`);
        return 0;
      }
      throw new UsageError(afterFirst[0] === undefined ? `mx ${first} needs a subcommand` : `unknown command: mx ${first} ${afterFirst[0]}`);
    }
    throw new UsageError(`unknown command: ${first}`);
  }
  current = found.name;
  if (found.args.some((a) => HELP_FLAGS.includes(a))) {
    process.stdout.write(`${commandUsage(found.name)}\n`);
    return 0;
  }
  const [cmd, sub, ...rest] = argv;
  switch (cmd) {
    case 'demo':
      return demoCommand(argv.slice(1));
    case 'setup': {
      const { values } = parseCommand('setup', argv.slice(1));
      const dir = str(values, 'dir')!;
      const endpoints = str(values, 'endpoints');
      const distribute = str(values, 'distribute');
      const dep = await setupDeployment(dir, endpoints ? endpoints.split(',') : DEMO_ENDPOINTS);
      const audit = await setupAudit(dep);
      // The CA and the broker certificate for a broker of this deployment (docker-compose's, say).
      const tls = ensureBrokerTls(dep.dir);
      const bundles = distribute ? distributeSecrets(dep, distribute) : undefined;
      if (values.json) {
        const written = { dir: dep.dir, trustDir: dep.trustDir, idpPublicJwks: dep.idpPublicJwks, auditPublicKey: audit.publicKeyFile, kafkaCa: kafkaCaFile(dep.dir), brokerKeystore: tls.keystore, endpoints: dep.endpoints, ...(bundles ? { distributed: { dir: distribute, bundles } } : {}) };
        process.stdout.write(`${JSON.stringify(written)}\n`);
        return 0;
      }
      process.stdout.write(`deployment under ${dep.dir}: trust ${dep.trustDir}, identity provider JWKS ${dep.idpPublicJwks}, audit service key ${audit.publicKeyFile}, Kafka CA ${kafkaCaFile(dep.dir)} and broker keystore ${tls.keystore}, endpoints ${dep.endpoints.join(', ')}\n`);
      if (bundles) {
        for (const [service, files] of Object.entries(bundles)) process.stdout.write(`  ${distribute}/${service}: ${files.join(', ')}\n`);
      }
      return 0;
    }
    case 'kafka': {
      if (sub !== 'provision') break;
      const { values: parsed } = parseCommand('kafka provision', rest);
      const values = parsed as Record<string, string | undefined> & { dir: string };
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
      if (parsed.json) {
        process.stdout.write(`${JSON.stringify(done)}\n`);
        return 0;
      }
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
        // Progress only for a person watching: never into a pipe or a file.
        const progress = process.stderr.isTTY ? terminalProgress(process.stderr, 'leaves checked') : undefined;
        try {
          return await auditVerify(rest, {
            out: (line) => process.stdout.write(`${line}\n`),
            err: (line) => process.stderr.write(`${line}\n`),
            ...(progress ? { progress: (done: number, total: number) => progress.update(done, total) } : {}),
          });
        } finally {
          progress?.end();
        }
      }
      break;
  }
  throw new UsageError(`unknown command: ${argv.join(' ')}`);
}

let code: number;
try {
  code = await run(process.argv.slice(2));
} catch (err) {
  const e = exitOf(err);
  for (const line of e.lines) process.stderr.write(`mx: ${line}\n`);
  if (e.usageOf !== undefined) process.stderr.write(`\n${usageText(e.usageOf ?? current)}\n`);
  code = e.code;
}
// Idle keep-alive sockets of fetch must not keep a finished command alive.
process.exit(code);
