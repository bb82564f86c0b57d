/**
 * `mx demo`: a local Kafka broker, the four gateways (LA, TH, CN, INTERPOL), the audit service and
 * the OpenID provider the consoles sign in at, as separate processes, and a scripted scenario through their HTTP APIs: TH notifies LA of a child victim, LA reads it,
 * acknowledges and later reports the handover completed; INTERPOL issues an offender alert that
 * LA, TH and CN receive and answer. Each step's lifecycle is printed. Then it keeps running for
 * `mx send` / `mx inbox` / `mx message` and the consoles until Ctrl-C; the consoles' URLs and the
 * demo users' generated passwords are printed last.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommand, str } from '../commands/args.ts';
import { freePort, startLocalBroker, type LocalBroker } from '../../../core/src/kafka/local-broker.ts';
import { setDevIdpIssuer } from '../../../core/src/idp/dev-idp.ts';
import { ensureDeploymentKafkaPasswords, provisionDeploymentKafka } from '../deployment/kafka.ts';
import type { Role } from '../../../core/src/idp/dev-idp.ts';
import { auditEnv, DEMO_ENDPOINTS, externalKafkaSecretsDir, gatewayEnv, idpEnv, metricsTokenFile, setupAudit, setupDeployment, setupIdp, type IdpSetup } from '../deployment/setup.ts';
import { auditVerify } from '../commands/audit-verify.ts';
import { officerToken, UsageError, type Io } from '../commands/officer.ts';
import { AUDIT_MAIN, GATEWAY_MAIN, IDP_MAIN, startService, type ServiceProcess } from './processes.ts';
import { demoDir, demoStateFile, writeDemoState } from './state.ts';
import { DEMO_BODIES } from './bodies.ts';
import { ensureConsoleBuilt } from '../../../console/build.ts';

const stdout: Io = { out: (l) => process.stdout.write(`${l}\n`) };

interface Recipient {
  endpoint: string;
  published: boolean;
  delivered: boolean;
  read: boolean;
  responded: boolean;
  responseIds: string[];
  overdue: boolean;
  rejected?: boolean;
  reasonCode?: string;
}

/** A demo alert dated from today: arrival `arrive` days from now (negative: already there), departure a week later, valid for thirty. */
function alertBody(arrive = 2) {
  const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();
  const a = DEMO_BODIES.offenderAlert;
  return { ...a, travel: { ...a.travel, arrivalDate: day(arrive).slice(0, 10), expectedDepartureDate: day(arrive + 7).slice(0, 10) }, validUntil: day(30) };
}

interface AlertView {
  timeliness: string;
  escalated?: boolean;
}

/** The statistics cells worth a line: those not suppressed (every cell under 5 reads `<5`). */
function statisticsLines(csv: string): { lines: string[]; cells: number } {
  const rows = csv.trim().split(/\r?\n/).map((r) => r.split(','));
  const header = rows.shift() ?? [];
  const count = header.indexOf('count');
  const shown = rows.filter((r) => r[count] !== '<5');
  const describe = (r: string[]) => header.map((h, i) => (r[i] && h !== 'section' ? `${h}=${r[i]}` : '')).filter(Boolean).join(' ');
  return { lines: shown.map((r) => `    ${(r[0] ?? '').padEnd(19)} ${describe(r)}`), cells: rows.length };
}

function lifecycleLine(r: Recipient): string {
  const mark = (b: boolean) => (b ? 'yes' : 'no ');
  const rejected = r.rejected ? `  REJECTED ${r.reasonCode ?? ''}` : '';
  return `    ${r.endpoint.padEnd(9)} published ${mark(r.published)}  delivered ${mark(r.delivered)}  read ${mark(r.read)}  responses ${r.responseIds.length}${r.overdue ? '  OVERDUE' : ''}${rejected}`;
}

/** Thrown at the next step of the start-up or the scenario once a stop was asked for. */
class StopRequested extends Error {}

/** The signals that stop the demo: Ctrl-C (to the whole foreground group), `kill`, a closed terminal. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function demoCommand(args: string[], io: Io = stdout): Promise<number> {
  const { values } = parseCommand('demo', args);
  const dir = str(values, 'dir') ?? demoDir();
  const kafkaNodesRaw = str(values, 'kafka-nodes');
  if (kafkaNodesRaw !== undefined && kafkaNodesRaw !== '1' && kafkaNodesRaw !== '3') throw new UsageError('--kafka-nodes must be 1 or 3');
  // Three local brokers: topics with three replicas (min ISR 2), as in production.
  const kafkaNodes = kafkaNodesRaw === '3' ? 3 : 1;
  const services: ServiceProcess[] = [];
  let audit: ServiceProcess | undefined;
  let idp: ServiceProcess | undefined;
  let broker: LocalBroker | undefined;

  // Handlers stay installed from the first line to the last: a signal during start-up, the scenario
  // or the shutdown itself is never left to a default action that would kill the demo mid-way and
  // strand its children and the broker. One Ctrl-C arrives twice (the terminal signals the whole
  // group, and npm forwards its copy), hence the quiet window before "already stopping".
  let stopReason: string | undefined;
  let stopAskedAt = 0;
  let wake = () => {};
  const stopAsked = new Promise<void>((resolve) => (wake = resolve));
  const requestStop = (reason: string) => {
    if (stopReason === undefined) {
      stopReason = reason;
      stopAskedAt = Date.now();
      io.out(`\n${reason}: stopping after the current step`);
      wake();
    } else if (Date.now() - stopAskedAt > 250) {
      io.out(`${reason}: already stopping; the gateways finish draining their outboxes, then the broker stops`);
    }
  };
  const onSignal = (sig: NodeJS.Signals) => requestStop(sig);
  for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
  // `sh -c` between npm (or npx) and the demo does not pass signals on and dies of SIGTERM itself:
  // being re-parented means whoever started the demo is gone, which is a stop too.
  const parentPid = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid === parentPid) return;
    clearInterval(parentWatch);
    requestStop('the process that started the demo exited');
  }, 500);
  parentWatch.unref();
  const halt = () => {
    if (stopReason !== undefined) throw new StopRequested(stopReason);
  };

  /** Gateways first (they drain their outboxes, audit events included), then the audit service and the OpenID provider, then the broker. */
  const stopAll = async (): Promise<boolean> => {
    rmSync(demoStateFile(dir), { force: true });
    // `mx token` goes back to the dev issuer: no provider of that issuer runs any more.
    setDevIdpIssuer(dir, undefined);
    io.out('stopping: the gateways drain their outboxes, then the audit service, the identity provider and the broker stop');
    const gatewaysFirst = [services.filter((s) => s !== audit && s !== idp), services.filter((s) => s === audit || s === idp)];
    const unclean: string[] = [];
    for (const group of gatewaysFirst) {
      const exits = await Promise.all(group.map((s) => s.stop()));
      exits.forEach((e, i) => e.code !== 0 && unclean.push(`${group[i]!.name} (${e.signal ?? `exit ${e.code}`})`));
    }
    await broker?.stop();
    if (broker) io.out(`Kafka: broker stopped, run directory ${broker.dir} removed`);
    if (unclean.length === 0) io.out('stopped cleanly');
    else io.out(`stopped; not cleanly: ${unclean.join(', ')} (see the logs under ${join(dir, 'logs')})`);
    return unclean.length === 0;
  };

  try {
    // Fresh stores for every run, and with them the auditor's state of the last run's log (a new log
    // is not a rewritten one); keys, Kafka passwords and the dev identity provider are kept between runs.
    rmSync(join(dir, 'data'), { recursive: true, force: true });
    // With KAFKA_BROKERS the cluster's credentials are its operator's (MX_KAFKA_SECRETS_DIR; none: PLAINTEXT).
    // A directory with no CA in it stands for "no credentials": the clients then speak PLAINTEXT.
    const external = process.env.KAFKA_BROKERS ? (externalKafkaSecretsDir() ?? join(dir, 'plaintext-cluster')) : undefined;
    const dep = await setupDeployment(dir, DEMO_ENDPOINTS, external !== undefined ? { kafkaSecretsDir: external } : {});
    io.out(`Deployment: keys, trust registry, Kafka credentials and dev identity provider under ${dir}`);
    // The gateways and the audit service serve the built consoles; rebuilt only when their sources changed.
    await ensureConsoleBuilt((l) => io.out(`Console: ${l}`));
    halt();
    let brokers: string[];
    if (process.env.KAFKA_BROKERS) {
      brokers = process.env.KAFKA_BROKERS.split(',');
      io.out(`Kafka: using KAFKA_BROKERS=${brokers.join(',')}`);
    } else {
      broker = await startLocalBroker({ nodes: kafkaNodes, log: (l) => io.out(`Kafka: ${l}`), security: { secretsDir: dep.kafkaSecretsDir, users: ensureDeploymentKafkaPasswords(dep.kafkaSecretsDir, DEMO_ENDPOINTS) } });
      brokers = broker.brokers;
      io.out('Kafka: client listener SASL_SSL (SCRAM-SHA-512), ACLs per principal (StandardAuthorizer, deny by default)');
    }
    halt();
    const topicPrefix = `demo-${randomBytes(3).toString('hex')}.`;
    // The provider's issuer names its port, and the gateways must know the issuer before it runs
    // (it needs their addresses for its clients): so its port is chosen first.
    const idpPort = await freePort();
    const issuer = `http://127.0.0.1:${idpPort}`;
    const provisioned = await provisionDeploymentKafka({ brokers, secretsDir: dep.kafkaSecretsDir, endpoints: DEMO_ENDPOINTS, topicPrefix, replicationFactor: broker?.nodes.length ?? 1 });
    io.out(`Kafka: provisioned ${provisioned.topics} topics${kafkaNodes > 1 ? ` (replication factor ${kafkaNodes}, min.insync.replicas 2)` : ''}${provisioned.secured ? ` and ${provisioned.acls} ACLs` : ''} as the admin principal`);
    halt();
    for (const e of DEMO_ENDPOINTS) {
      services.push(await startService(`gateway ${e}`, GATEWAY_MAIN, gatewayEnv(dep, e, brokers, { topicPrefix, idpIssuer: issuer }), join(dir, 'logs', `gateway-${e}.log`)));
      halt();
    }
    const gateways = Object.fromEntries(services.map((s, i) => [DEMO_ENDPOINTS[i]!, s.url]));
    const auditDep = await setupAudit(dep);
    audit = await startService('audit service', AUDIT_MAIN, auditEnv(dep, brokers, { topicPrefix, checkpointEverySeconds: 2, idpIssuer: issuer }), join(dir, 'logs', 'audit.log'));
    services.push(audit);
    halt();
    const idpSetup: IdpSetup = await setupIdp(dep);
    const origins: Record<string, string> = { ...gateways, audit: audit.url };
    idp = await startService('identity provider', IDP_MAIN, idpEnv(dep, idpSetup, { issuer, port: idpPort, consoles: origins }), join(dir, 'logs', 'idp.log'));
    services.push(idp);
    // From here `mx` mints its tokens with the provider's issuer (same key), which the services now trust.
    setDevIdpIssuer(dir, issuer);
    halt();
    const consoles = Object.fromEntries(Object.entries(origins).map(([name, origin]) => [name, `${origin}/console/`]));
    writeDemoState(dir, {
      brokers,
      gateways,
      audit: audit.url,
      idp: issuer,
      consoles,
      topicPrefix,
      pids: { demo: process.pid, services: Object.fromEntries(services.map((s) => [s.name, s.child.pid ?? -1])), ...(broker ? { broker: broker.pid } : {}) },
      ...(broker ? { brokerDir: broker.dir } : {}),
    });
    for (const s of services) io.out(`${s.name.padEnd(16)} ${s.url}   log: ${s.logFile}`);
    // Each gateway and the audit service serve /metrics to the bearer of its own token (set-up made them).
    io.out(`${'metrics'.padEnd(16)} curl -H "Authorization: Bearer $(cat ${metricsTokenFile(dir, 'LA')})" ${gateways.LA}/metrics   (each service its own token: ${join(dir, 'private', '<LA|TH|CN|INTERPOL|audit>.metrics.token')})`);
    const auditUrl = audit.url;

    const call = async (endpoint: string, role: Role, method: string, path: string, body?: unknown) => {
      halt();
      const token = await officerToken(dir, endpoint, role);
      const res = await fetch(`${gateways[endpoint]}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status >= 300) throw new Error(`${method} ${path} at ${endpoint}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const waitFor = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        halt();
        const v = await check();
        if (v !== undefined) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const lifecycle = (endpoint: string, role: Role, id: string) => call(endpoint, role, 'GET', `/v1/messages/${id}`) as Promise<{ status: string; recipients: Recipient[] }>;
    const show = async (endpoint: string, role: Role, id: string, label: string) => {
      const m = await lifecycle(endpoint, role, id);
      io.out(`  ${label}: status ${m.status}`);
      for (const r of m.recipients) io.out(lifecycleLine(r));
    };

    const showConsoles = () => {
      io.out('\n== Consoles: sign in with these demo users (passwords generated for this machine, kept owner-only under');
      io.out(`   ${join(dir, 'private', 'idp-passwords.json')})`);
      for (const [name, url] of Object.entries(consoles)) {
        io.out(`  ${(name === 'audit' ? 'auditor console' : `${name} console`).padEnd(18)} ${url}`);
        for (const u of idpSetup.users.filter((x) => x.console === name)) io.out(`    ${u.username.padEnd(16)} password ${u.password}   (${u.roles.join(', ')} at ${u.endpoint})`);
      }
      io.out(`  identity provider  ${issuer}`);
    };
    const keepRunning = async (hints: string[]) => {
      showConsoles();
      io.out(`\nThe demo keeps running. In another terminal, for example:\n${hints.map((h) => `  ${h}`).join('\n')}\nPress Ctrl-C to stop.`);
      await stopAsked;
    };
    if (values['no-scenario']) {
      await keepRunning([
        'npx mx inbox --endpoint LA',
        'npx mx send --endpoint TH --type victim-repatriation-notice --to LA --case-ref TH-2026-000001 --body <file.json>',
      ]);
      return (await stopAll()) ? 0 : 1;
    }

    io.out('\n== Scenario 1: TH notifies LA of a child victim found in Thailand');
    const caseRef = `TH-${new Date().getUTCFullYear()}-${String(Date.now() % 1_000_000).padStart(6, '0')}`;
    const t0 = Date.now();
    const notice = await call('TH', 'liaison-officer', 'POST', '/v1/notices', { type: 'victim-repatriation-notice', to: ['LA'], caseRef, body: DEMO_BODIES.victimNotice });
    const nid = notice.id as string;
    io.out(`  TH officer submitted notice ${nid} (case ${caseRef}): ${notice.status}`);
    await waitFor('the receipt from LA', async () => ((await lifecycle('TH', 'liaison-officer', nid)).recipients[0]?.delivered ? true : undefined));
    io.out(`  LA stored and verified it; TH verified LA's signed receipt ${Date.now() - t0} ms after submission`);
    await show('TH', 'liaison-officer', nid, 'lifecycle at TH');
    const item = await call('LA', 'liaison-officer', 'GET', `/v1/inbox/${nid}`);
    io.out(`  LA officer read the notice (status ${item.status}); a signed read receipt goes back to TH`);
    const ack = await call('LA', 'liaison-officer', 'POST', `/v1/inbox/${nid}/responses`, { type: 'repatriation-status-update', body: { ...DEMO_BODIES.statusUpdate, status: 'acknowledged', effectiveAt: new Date().toISOString() } });
    io.out(`  LA acknowledged: status update ${ack.id as string}`);
    const done = await call('LA', 'liaison-officer', 'POST', `/v1/inbox/${nid}/responses`, { type: 'repatriation-status-update', body: { ...DEMO_BODIES.statusUpdate, status: 'handover-completed', effectiveAt: new Date().toISOString() } });
    io.out(`  LA reported the handover completed: status update ${done.id as string}`);
    await waitFor('both updates at TH', async () => ((await lifecycle('TH', 'liaison-officer', nid)).recipients[0]?.responseIds.length === 2 ? true : undefined));
    await show('TH', 'liaison-officer', nid, 'lifecycle at TH');
    const kase = (await call('TH', 'liaison-officer', 'GET', `/v1/cases/${caseRef}`)) as { parties: string[]; messages: { id: string; type: string; direction: string; status: string }[] };
    io.out(`  case ${caseRef} at TH, parties ${kase.parties.join(', ')}:`);
    for (const m of kase.messages) io.out(`    ${m.direction.padEnd(8)} ${m.type.padEnd(28)} ${m.id}  ${m.status}`);

    io.out('\n== Scenario 2: INTERPOL issues a travelling-offender alert to LA, TH and CN');
    const alert = await call('INTERPOL', 'interpol-desk', 'POST', '/v1/notices', { type: 'offender-travel-alert', to: ['LA', 'TH', 'CN'], body: alertBody() });
    const aid = alert.id as string;
    io.out(`  INTERPOL desk submitted alert ${aid}`);
    for (const e of ['LA', 'TH', 'CN']) {
      await waitFor(`the alert at ${e}`, async () => {
        const token = await officerToken(dir, e, 'liaison-officer');
        const res = await fetch(`${gateways[e]}/v1/inbox/${aid}`, { headers: { authorization: `Bearer ${token}` } });
        await res.body?.cancel();
        return res.status === 200 ? true : undefined;
      });
      const action = e === 'LA' ? 'entry-refused' : e === 'TH' ? 'departed' : 'not-arrived';
      const resp = await call(e, 'liaison-officer', 'POST', `/v1/inbox/${aid}/responses`, { type: 'offender-alert-response', body: { ...DEMO_BODIES.alertResponse, action, at: new Date().toISOString() } });
      io.out(`  ${e} read the alert and answered "${action}" (${resp.id as string})`);
    }
    await waitFor('three receipts and three responses', async () => {
      const m = await lifecycle('INTERPOL', 'interpol-desk', aid);
      return m.recipients.every((r) => r.delivered && r.responded) ? true : undefined;
    });
    await show('INTERPOL', 'interpol-desk', aid, 'lifecycle at INTERPOL');

    io.out('\n== Scenario 3: timeliness of alerts, an escalation, a withdrawal');
    const alertOf = async (id: string, to: string) => (await lifecycle('TH', 'liaison-officer', id)).recipients.find((r) => r.endpoint === to) as (Recipient & { alert?: AlertView }) | undefined;
    const sendAlert = async (to: string[], arrive: number, label: string) => {
      const a = await call('TH', 'liaison-officer', 'POST', '/v1/notices', { type: 'offender-travel-alert', to, body: alertBody(arrive) });
      const id = a.id as string;
      for (const e of to) await waitFor(`the ${label} alert at ${e}`, async () => ((await alertOf(id, e))?.delivered ? true : undefined));
      return id;
    };
    const early = await sendAlert(['LA', 'INTERPOL'], 10, 'early');
    io.out(`  TH alerted LA and INTERPOL ten days before arrival (${early}): ${(await alertOf(early, 'LA'))?.alert?.timeliness} at LA, ${(await alertOf(early, 'INTERPOL'))?.alert?.timeliness} at INTERPOL`);
    const late = await sendAlert(['LA'], -2, 'late');
    io.out(`  TH alerted LA two days after the arrival date (${late}): ${(await alertOf(late, 'LA'))?.alert?.timeliness}`);
    const soon = await sendAlert(['CN'], 1, 'unanswered');
    // Arrival is tomorrow and CN has not answered: past the escalation point, so the next look escalates.
    await waitFor('the escalation at TH', async () => ((await alertOf(soon, 'CN'))?.alert?.escalated ? true : undefined));
    await waitFor('the escalation at CN', async () => {
      const inbox = (await call('CN', 'liaison-officer', 'GET', '/v1/inbox?type=offender-travel-alert')) as { items: { id: string; alert?: AlertView }[] };
      return inbox.items.find((i) => i.id === soon)?.alert?.escalated ? true : undefined;
    });
    io.out(`  TH alerted CN of an arrival tomorrow (${soon}); unanswered within 24 hours of arrival, it is escalated at TH and CN (audit event "escalated")`);
    await call('TH', 'liaison-officer', 'POST', `/v1/messages/${early}/withdrawal`, { reason: 'travel-cancelled' });
    await waitFor('the withdrawal at LA', async () => {
      const item = (await call('LA', 'liaison-officer', 'GET', `/v1/messages/${early}`)) as { revision?: { withdrawn?: boolean } };
      return item.revision?.withdrawn ? true : undefined;
    });
    io.out(`  TH withdrew the first alert (travel cancelled); LA and INTERPOL show it withdrawn, with the reason`);

    io.out('\n== Audit: every gateway signed its events into mx.audit; the audit service logged them in a Merkle tree');
    const auditorToken = await officerToken(dir, 'LA', 'auditor', 'demo-auditor', 'audit');
    const auditGet = async (path: string) => {
      const res = await fetch(`${auditUrl}${path}`, { headers: { authorization: `Bearer ${auditorToken}` } });
      if (res.status !== 200) throw new Error(`GET ${path} at the audit service: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    };
    // Wait until the gateways' trails have stopped growing, have no gaps, and a checkpoint covers them.
    let lastSize = -1;
    const counted = await waitFor('the audit log to settle', async () => {
      await new Promise((r) => setTimeout(r, 1500));
      const status = (await auditGet('/v1/status')) as { treeSize: number; latestCheckpoint?: { treeSize: number } | null };
      const gaps = (await auditGet('/v1/gaps')) as { items: unknown[] };
      const settled = status.treeSize > 0 && status.treeSize === lastSize && gaps.items.length === 0 && status.latestCheckpoint?.treeSize === status.treeSize;
      lastSize = status.treeSize;
      return settled ? status.treeSize : undefined;
    }, 60_000);
    io.out(`  ${counted} signed events logged and covered by a signed checkpoint; now verifying as an auditor would (mx audit verify):`);
    const verifyLines: string[] = [];
    const verdict = await auditVerify(['--url', auditUrl, '--audit-key', auditDep.publicKeyFile, '--trust', dep.trustDir, '--token', auditorToken, '--state', join(dir, 'data', 'auditor-state.json')], {
      out: (l) => verifyLines.push(l),
      err: (l) => verifyLines.push(l),
    });
    const oks = verifyLines.filter((l) => l.startsWith('ok ')).length;
    for (const l of verifyLines.filter((l) => !l.startsWith('ok '))) io.out(`  ${l}`);
    io.out(`  (${oks} checks passed)`);
    if (verdict !== 0) throw new Error('mx audit verify failed');
    const history = (await auditGet(`/v1/messages/${nid}/history`)) as { events: { index: number; gateway: string; seq: number; action: string; at: string; event: { counterpart?: string; outcome?: string } }[] };
    io.out(`  history of notice ${nid}, from both gateways' signed events:`);
    for (const e of history.events) {
      io.out(`    ${e.at}  ${e.gateway.padEnd(8)} seq ${String(e.seq).padEnd(4)} ${e.action.padEnd(17)}${e.event.counterpart ? ` counterpart ${e.event.counterpart}` : ''}${e.event.outcome ? ` ${e.event.outcome}` : ''}  (leaf ${e.index})`);
    }

    io.out('\n== Statistics at LA (GET /v1/statistics?format=csv, as an analyst): cells under 5 read "<5" and are left out here');
    {
      // Four more children like the first, each a case of its own: one cell of the grid reaches 5.
      const more = await Promise.all([1, 2, 3, 4].map(async (i) => {
        const ref = `TH-${new Date().getUTCFullYear()}-${String((Date.now() + i) % 1_000_000).padStart(6, '0')}`;
        return (await call('TH', 'liaison-officer', 'POST', '/v1/notices', { type: 'victim-repatriation-notice', to: ['LA'], caseRef: ref, body: DEMO_BODIES.victimNotice })).id as string;
      }));
      for (const id of more) await waitFor('a notice at LA', async () => ((await lifecycle('TH', 'liaison-officer', id)).recipients[0]?.delivered ? true : undefined));
      io.out(`  TH sent LA four more notices of children of the same age band, sex, exploitation and crossing`);
      const token = await officerToken(dir, 'LA', 'analyst');
      const res = await fetch(`${gateways.LA}/v1/statistics?format=csv`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`GET /v1/statistics at LA: ${res.status}`);
      const { lines, cells } = statisticsLines(await res.text());
      io.out(`  ${cells} cells over 12 months; ${lines.length} of 5 or more:`);
      for (const l of lines) io.out(l);
    }

    io.out('\nScenario complete.');
    if (values['exit-after-scenario']) {
      showConsoles();
      return (await stopAll()) ? 0 : 1;
    }
    await keepRunning([
      'npx mx inbox --endpoint LA',
      `npx mx message --endpoint TH ${nid}`,
      `npx mx send --endpoint TH --type victim-repatriation-notice --to LA --case-ref ${caseRef} --body <file.json>`,
      `MX_TOKEN="$(npx mx token --endpoint LA --role auditor --for audit)" npx mx audit verify --url ${auditUrl} --audit-key ${auditDep.publicKeyFile} --trust ${dep.trustDir}`,
    ]);
    return (await stopAll()) ? 0 : 1;
  } catch (err) {
    // A service that got the terminal's Ctrl-C may exit during its own start-up: that is the stop, not a failure.
    const failed = stopReason === undefined && !(err instanceof StopRequested);
    if (failed) io.out(`demo failed: ${(err as Error).message}`);
    const clean = await stopAll();
    return failed || !clean ? 1 : 0;
  } finally {
    clearInterval(parentWatch);
    for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
  }
}
