/**
 * Every `mx` command: name, summary, options with their docs. The one source of the top-level
 * usage, each command's `--help`, the options each command parses (strictly), and the README's
 * table of commands (test/cli/mx-help.test.ts compares them).
 */

/** One option of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** What the value is, in the synopsis (`--body FILE`). */
  value?: string;
  doc: string;
  /** Checked by {@link parseCommand}; options required only in some forms are checked by the command. */
  required?: boolean;
}

/** One command (`send`) or subcommand (`audit verify`). */
export interface CommandSpec {
  name: string;
  summary: string;
  /** Synopsis lines after `mx <name>`; default: built from the options. */
  synopsis?: string[];
  positionals?: { name: string; doc: string; required?: boolean }[];
  options: Record<string, OptionSpec>;
  /** What `--json` prints; commands without it take no `--json`. */
  json?: string;
  /** Environment variables the command reads. */
  env?: Record<string, string>;
}

/** `--url`, `--token`, `--token-file`: any gateway or audit service. */
const remote = (what: string): Record<string, OptionSpec> => ({
  url: { type: 'string', value: 'URL', doc: `the ${what}'s base URL (any deployment)` },
  token: { type: 'string', value: 'TOKEN', doc: 'the bearer token; visible to other users in `ps` and kept in shell history: prefer --token-file or MX_TOKEN' },
  'token-file': { type: 'string', value: 'FILE', doc: 'a file holding the token (trailing newline ignored)' },
});

/** A gateway: the running demo's (`--endpoint`) or any (`--url` and a token). */
const gatewayTarget: Record<string, OptionSpec> = {
  endpoint: { type: 'string', value: 'EP', doc: 'a gateway of the running demo (its dev identity provider mints the token)' },
  role: { type: 'string', value: 'ROLE', doc: 'with --endpoint: the officer\'s role (default liaison-officer; interpol-desk for INTERPOL)' },
  dir: { type: 'string', value: 'DIR', doc: 'with --endpoint: the demo\'s directory (default MX_DEMO_DIR, else the demo\'s cache directory)' },
  ...remote('gateway'),
};

const TOKEN_ENV = { MX_TOKEN: 'the token, when neither --token nor --token-file is given' };
const GATEWAY_SYNOPSIS = '(--endpoint EP | --url URL [--token-file FILE | --token TOKEN])';

const validity: Record<string, OptionSpec> = {
  endpoint: { type: 'string', value: 'EP', doc: 'the endpoint (e.g. TH)', required: true },
  dir: { type: 'string', value: 'DIR', doc: 'the key directory (outside the repository): private/ and trust/ under it', required: true },
  'valid-from': { type: 'string', value: 'T', doc: 'ISO date-time the new keys are valid from (default: now)' },
  'valid-until': { type: 'string', value: 'T', doc: 'ISO date-time they expire' },
  'valid-days': { type: 'string', value: 'N', doc: 'or: valid for N days from --valid-from' },
};

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'demo',
    summary: 'a broker, four gateways, the audit service and a dev identity provider on this machine, and a scripted scenario',
    options: {
      'exit-after-scenario': { type: 'boolean', doc: 'run the scenario, stop everything and exit (0 when the scenario passed)' },
      'no-scenario': { type: 'boolean', doc: 'start everything, run no scenario; Ctrl-C stops it' },
      dir: { type: 'string', value: 'DIR', doc: 'where the demo keeps keys, stores and logs (default MX_DEMO_DIR, else the demo\'s cache directory)' },
      'kafka-nodes': { type: 'string', value: '1|3', doc: 'local brokers to run (default 1); with 3, topics have three replicas and min.insync.replicas 2, as in production' },
    },
  },
  {
    name: 'setup',
    summary: 'keys, trust directory, pseudonym keys, metrics tokens, dev identity provider, Kafka CA and SCRAM passwords for a deployment',
    options: {
      dir: { type: 'string', value: 'DIR', doc: 'the deployment\'s directory (outside the repository)', required: true },
      endpoints: { type: 'string', value: 'LA,TH,...', doc: 'its endpoints (default LA,TH,CN,INTERPOL)' },
      distribute: { type: 'string', value: 'OUT', doc: 'also write one bundle per service under OUT (only that service\'s secrets), OUT/prometheus (every metrics token) and OUT/public' },
    },
    json: 'what was written: the trust directory, key and certificate files, endpoints, bundles',
  },
  {
    name: 'kafka provision',
    summary: 'SCRAM credentials, topics and ACLs of a deployment, as the Kafka admin principal',
    options: {
      dir: { type: 'string', value: 'DIR', doc: 'the deployment\'s directory (passwords and CA under DIR/private/kafka/)', required: true },
      endpoints: { type: 'string', value: 'LA,TH,...', doc: 'its endpoints (default LA,TH,CN,INTERPOL)' },
      prefix: { type: 'string', value: 'P', doc: 'topic and group name prefix (the services\' MX_TOPIC_PREFIX)' },
      partitions: { type: 'string', value: 'N', doc: 'partitions of each new topic, 1 to 64' },
      'replication-factor': { type: 'string', value: 'N', doc: 'replicas of each new topic, 1 to 16 (default MX_TOPIC_REPLICATION_FACTOR, else 1); min.insync.replicas 2 from 3 up' },
      'routing-policy': { type: 'string', value: 'FILE', doc: 'the routing policy the inbox ACLs follow (default: the built-in one)' },
    },
    env: { KAFKA_BROKERS: 'the cluster, host:port[,host:port...] (required)' },
    json: 'what was done: topics, ACLs, whether the cluster is secured, the principals whose SCRAM credentials were set',
  },
  {
    name: 'keys init',
    summary: 'an endpoint\'s first signing and encryption keys, and its pseudonym key',
    options: validity,
    json: 'the key ids, validity and every file written',
  },
  {
    name: 'keys rotate',
    summary: 'a newer signing and encryption key pair beside the existing ones',
    options: validity,
    json: 'the new key ids, validity and the files written',
  },
  {
    name: 'token',
    summary: 'a token from the demo\'s (or a deployment\'s) dev identity provider',
    options: {
      endpoint: { type: 'string', value: 'EP', doc: 'the officer\'s endpoint (one of the deployment\'s)', required: true },
      role: { type: 'string', value: 'ROLE', doc: 'liaison-officer, interpol-desk, auditor or analyst (default liaison-officer; interpol-desk for INTERPOL)' },
      subject: { type: 'string', value: 'S', doc: 'the token\'s subject (default demo-<role>@<endpoint>)' },
      for: { type: 'string', value: 'gateway|audit', doc: 'the audience: the endpoint\'s gateway (default) or the audit service' },
      dir: { type: 'string', value: 'DIR', doc: 'the deployment\'s directory (default MX_DEMO_DIR, else the demo\'s cache directory)' },
    },
    json: '{ "token": ... }',
  },
  {
    name: 'send',
    summary: 'submit a notice through a gateway',
    synopsis: [`${GATEWAY_SYNOPSIS} --type TYPE --to EP[,EP] --body FILE.json [--case-ref REF] [--in-reply-to ID] [--json]`],
    options: {
      ...gatewayTarget,
      type: { type: 'string', value: 'TYPE', doc: 'the message type (e.g. offender-travel-alert)', required: true },
      to: { type: 'string', value: 'EP[,EP]', doc: 'the recipients', required: true },
      body: { type: 'string', value: 'FILE.json', doc: 'the notice body, a JSON file', required: true },
      'case-ref': { type: 'string', value: 'REF', doc: 'the case reference' },
      'in-reply-to': { type: 'string', value: 'ID', doc: 'the message this answers' },
    },
    env: TOKEN_ENV,
    json: 'the accepted message (the gateway\'s 202 answer)',
  },
  {
    name: 'inbox',
    summary: 'list a gateway\'s inbox, or read one item (recorded as read)',
    synopsis: [`${GATEWAY_SYNOPSIS} [ID] [--type TYPE] [--status unread|read|responded] [--json]`],
    positionals: [{ name: 'ID', doc: 'an item to read (omit to list)' }],
    options: {
      ...gatewayTarget,
      type: { type: 'string', value: 'TYPE', doc: 'list only this message type' },
      status: { type: 'string', value: 'unread|read|responded', doc: 'list only items in this state' },
    },
    env: TOKEN_ENV,
    json: 'the gateway\'s answer (the list, or the item)',
  },
  {
    name: 'message',
    summary: 'a sent message\'s lifecycle',
    synopsis: [`${GATEWAY_SYNOPSIS} ID [--json]`],
    positionals: [{ name: 'ID', doc: 'the message id', required: true }],
    options: gatewayTarget,
    env: TOKEN_ENV,
    json: 'the gateway\'s answer',
  },
  {
    name: 'audit verify',
    summary: 'verify the audit log as an auditor: checkpoints, every leaf (or a sample), signatures, chains; or an evidence bundle offline',
    synopsis: [
      '--url URL --audit-key FILE --trust DIR [--token-file FILE | --token TOKEN] [--sample N] [--state FILE] [--concurrency N] [--json]',
      '--bundle FILE --audit-key FILE --trust DIR [--state FILE] [--json]',
    ],
    options: {
      ...remote('audit service'),
      'audit-key': { type: 'string', value: 'FILE', doc: 'the audit service\'s public key file (audit.jwks.json)', required: true },
      trust: { type: 'string', value: 'DIR', doc: 'the gateways\' trust directory', required: true },
      sample: { type: 'string', value: 'N', doc: 'check N random leaves instead of all' },
      state: { type: 'string', value: 'FILE', doc: 'the checkpoint accepted last time: the log must extend it; updated when everything passed' },
      concurrency: { type: 'string', value: 'N', doc: 'requests in flight (default 8)' },
      bundle: { type: 'string', value: 'FILE', doc: 'check an evidence bundle (GET /v1/messages/{id}/evidence) offline instead' },
    },
    env: TOKEN_ENV,
    json: 'the result: verdict, leaves checked, events verified, the checkpoint, every failure',
  },
];

/** The command named `name` (`audit verify`). */
export function commandSpec(name: string): CommandSpec {
  const spec = COMMANDS.find((c) => c.name === name);
  if (spec === undefined) throw new Error(`no command ${name} in the table`);
  return spec;
}
