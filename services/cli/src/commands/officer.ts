/**
 * The commands a person uses against a gateway: `mx token`, `mx send`, `mx inbox`, `mx message`.
 * They speak the gateway's HTTP API. With `--url` (and `--token-file`, `MX_TOKEN` or `--token`, an
 * officer token from the endpoint's identity provider) they work against any deployment; without, against the
 * running demo, whose state file names the gateways and whose dev identity provider mints a token.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { devIdpIssuer, gatewayAudience, mintToken, ROLES, type Role } from '../../../core/src/idp/dev-idp.ts';
import { devIdpPaths } from '../../../core/src/idp/dev-idp.ts';
import { demoDir, readDemoState } from '../demo/state.ts';
import { AUDIT_AUDIENCE } from '../../../audit/src/config.ts';
import { JWKS_FILE_SUFFIX } from '../../../core/src/trust/trust-registry.ts';
import { parseCommand, str, tokenOf } from './args.ts';
import { HttpProblemError, UnreachableError, UsageError, type ProblemAnswer } from './exit-codes.ts';

export interface Io {
  out(line: string): void;
}
const stdout: Io = { out: (l) => process.stdout.write(`${l}\n`) };

export { UsageError };

function need(v: string | undefined, flag: string): string {
  if (v === undefined || v === '') throw new UsageError(`${flag} is required`);
  return v;
}

/**
 * A token for an officer of `endpoint` from the dev identity provider in `dir`, for that endpoint's
 * gateway or (`service: 'audit'`) for the audit service.
 */
export function officerToken(dir: string, endpoint: string, role: Role, subject?: string, service: 'gateway' | 'audit' = 'gateway'): Promise<string> {
  return mintToken(devIdpPaths(dir).privateJwks, {
    subject: subject ?? `demo-${role}@${endpoint.toLowerCase()}`,
    endpoint,
    agency: `${endpoint} ${role} desk (demo)`,
    roles: [role],
    audience: service === 'audit' ? AUDIT_AUDIENCE : gatewayAudience(endpoint),
    issuer: devIdpIssuer(dir),
  });
}

function role(v: string | undefined, endpoint: string): Role {
  const r = v ?? (endpoint === 'INTERPOL' ? 'interpol-desk' : 'liaison-officer');
  if (!(ROLES as readonly string[]).includes(r)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  return r as Role;
}

/** Where a command sends its request: `url` and `token` given, or the running demo's gateway of `endpoint`. */
export interface GatewayTarget {
  endpoint?: string;
  role?: string;
  dir?: string;
  /** A gateway's base URL (e.g. `https://gw.th.example`); then `token` (or `MX_TOKEN`) is required. */
  url?: string;
  token?: string;
}

async function resolveTarget(t: GatewayTarget): Promise<{ base: string; token: string }> {
  const given = t.token ?? (process.env.MX_TOKEN || undefined);
  if (t.url !== undefined) {
    let base: URL;
    try {
      base = new URL(t.url);
    } catch {
      throw new UsageError(`--url is not a URL: ${t.url}`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UsageError('--url must be an http or https URL');
    if (given === undefined) throw new UsageError('--url needs --token-file FILE, MX_TOKEN or --token TOKEN: an officer token from the endpoint\'s identity provider');
    return { base: base.href.replace(/\/+$/, ''), token: given };
  }
  const endpoint = need(t.endpoint, '--endpoint (or --url and --token)');
  const dir = t.dir ?? demoDir();
  const state = readDemoState(dir);
  const base = state.gateways[endpoint];
  if (!base) throw new UsageError(`no gateway ${endpoint} in the running demo (have ${Object.keys(state.gateways).join(', ')})`);
  return { base, token: given ?? (await officerToken(dir, endpoint, role(t.role, endpoint))) };
}

/** How long a request may take before the gateway counts as unreachable. */
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Calls a gateway (see {@link GatewayTarget}) and returns its JSON answer. A network failure is an
 * {@link UnreachableError} (exit 3), an error answer an {@link HttpProblemError} (exit 1 for 4xx,
 * 4 for 5xx); with `json`, the problem document is printed on stdout first.
 */
export async function callGateway(target: GatewayTarget, method: string, path: string, opts: { body?: unknown; json?: boolean } = {}, io: Io = stdout): Promise<unknown> {
  const { base, token } = await resolveTarget(target);
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    text = await res.text();
  } catch (err) {
    throw new UnreachableError(base, err);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (res.status >= 400) {
    if (opts.json && body !== undefined) io.out(JSON.stringify(body));
    throw new HttpProblemError(res.status, (body ?? {}) as ProblemAnswer);
  }
  if (body === undefined) throw new Error(`${method} ${path} answered ${res.status} with a body that is not JSON`);
  return body;
}

/** The endpoints of the deployment in `dir`: those whose public keys are in its trust directory. */
export function deploymentEndpoints(dir: string): string[] {
  const trust = join(dir, 'trust');
  if (!existsSync(trust)) return [];
  return readdirSync(trust)
    .filter((f) => f.endsWith(JWKS_FILE_SUFFIX))
    .map((f) => f.slice(0, -JWKS_FILE_SUFFIX.length))
    .sort();
}

type Values = Record<string, string | boolean | undefined>;

function targetOf(values: Values, command: string): GatewayTarget {
  const t: GatewayTarget = {};
  for (const k of ['endpoint', 'role', 'dir', 'url'] as const) {
    const v = str(values, k);
    if (v !== undefined) t[k] = v;
  }
  const token = tokenOf(values, command);
  if (token !== undefined) t.token = token;
  return t;
}

/** Prints `value`: one compact JSON document with --json, else the `human` text. */
function print(io: Io, values: Values, value: unknown, human: () => string): void {
  io.out(values.json ? JSON.stringify(value) : human());
}

export async function tokenCommand(args: string[], io: Io = stdout): Promise<number> {
  const { values } = parseCommand('token', args);
  const endpoint = str(values, 'endpoint')!;
  const service = str(values, 'for') ?? 'gateway';
  if (service !== 'gateway' && service !== 'audit') throw new UsageError('--for must be gateway or audit', 'token');
  const dir = str(values, 'dir') ?? demoDir();
  // The dev identity provider would sign for any name; a token no gateway accepts only misleads.
  const known = deploymentEndpoints(dir);
  if (!known.includes(endpoint)) {
    throw new UsageError(known.length ? `--endpoint ${endpoint} is not an endpoint of the deployment under ${dir} (it has ${known.join(', ')})` : `no deployment under ${dir}: start the demo or run mx setup --dir ${dir}`, 'token');
  }
  const token = await officerToken(dir, endpoint, role(str(values, 'role'), endpoint), str(values, 'subject'), service);
  print(io, values, { token }, () => token);
  return 0;
}

export async function sendCommand(args: string[], io: Io = stdout): Promise<number> {
  const { values } = parseCommand('send', args);
  const file = str(values, 'body')!;
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new UsageError(`--body ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'send');
  }
  const request = {
    type: str(values, 'type')!,
    to: str(values, 'to')!.split(','),
    ...(values['case-ref'] ? { caseRef: str(values, 'case-ref') } : {}),
    ...(values['in-reply-to'] ? { inReplyTo: str(values, 'in-reply-to') } : {}),
    body,
  };
  const accepted = (await callGateway(targetOf(values, 'send'), 'POST', '/v1/notices', { body: request, json: values.json === true }, io)) as { id?: string };
  print(io, values, accepted, () => `accepted ${request.type} ${String(accepted.id)} to ${request.to.join(', ')}`);
  return 0;
}

interface InboxLine {
  id: string;
  type: string;
  from: string;
  status: string;
  receivedAt: string;
  caseRef?: string;
}

export async function inboxCommand(args: string[], io: Io = stdout): Promise<number> {
  const { values, positionals } = parseCommand('inbox', args);
  const id = positionals[0];
  const q = new URLSearchParams();
  if (values.type) q.set('type', str(values, 'type')!);
  if (values.status) q.set('status', str(values, 'status')!);
  const path = id ? `/v1/inbox/${encodeURIComponent(id)}` : `/v1/inbox${q.size ? `?${q}` : ''}`;
  const answer = await callGateway(targetOf(values, 'inbox'), 'GET', path, { json: values.json === true }, io);
  print(io, values, answer, () => {
    if (id) return JSON.stringify(answer, null, 2);
    const items = (answer as { items: InboxLine[] }).items;
    if (items.length === 0) return '(no items)';
    return items.map((m) => `${m.id}  ${m.type.padEnd(26)} from ${m.from.padEnd(8)} ${m.status.padEnd(9)} ${m.receivedAt}${m.caseRef ? `  case ${m.caseRef}` : ''}`).join('\n');
  });
  return 0;
}

export async function messageCommand(args: string[], io: Io = stdout): Promise<number> {
  const { values, positionals } = parseCommand('message', args);
  const answer = await callGateway(targetOf(values, 'message'), 'GET', `/v1/messages/${encodeURIComponent(positionals[0]!)}`, { json: values.json === true }, io);
  print(io, values, answer, () => JSON.stringify(answer, null, 2));
  return 0;
}
