/**
 * The commands a person uses against a gateway: `mx token`, `mx send`, `mx inbox`, `mx message`.
 * They speak the gateway's HTTP API. With `--url` (and `--token` or `MX_TOKEN`, an officer token
 * from the endpoint's identity provider) they work against any deployment; without, against the
 * running demo, whose state file names the gateways and whose dev identity provider mints a token.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { devIdpIssuer, gatewayAudience, mintToken, ROLES, type Role } from '../../../core/src/idp/dev-idp.ts';
import { devIdpPaths } from '../../../core/src/idp/dev-idp.ts';
import { demoDir, readDemoState } from '../demo/state.ts';
import { AUDIT_AUDIENCE } from '../../../audit/src/config.ts';
import { JWKS_FILE_SUFFIX } from '../../../core/src/trust/trust-registry.ts';

export interface Io {
  out(line: string): void;
}
const stdout: Io = { out: (l) => process.stdout.write(`${l}\n`) };

export class UsageError extends Error {}

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
    if (given === undefined) throw new UsageError('--url needs --token TOKEN (or MX_TOKEN): an officer token from the endpoint\'s identity provider');
    return { base: base.href.replace(/\/+$/, ''), token: given };
  }
  const endpoint = need(t.endpoint, '--endpoint (or --url and --token)');
  const dir = t.dir ?? demoDir();
  const state = readDemoState(dir);
  const base = state.gateways[endpoint];
  if (!base) throw new UsageError(`no gateway ${endpoint} in the running demo (have ${Object.keys(state.gateways).join(', ')})`);
  return { base, token: given ?? (await officerToken(dir, endpoint, role(t.role, endpoint))) };
}

/** Calls a gateway (see {@link GatewayTarget}); prints the JSON answer. Returns the HTTP status. */
export async function callGateway(target: GatewayTarget, method: string, path: string, opts: { body?: unknown } = {}, io: Io = stdout): Promise<number> {
  const { base, token } = await resolveTarget(target);
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  try {
    io.out(JSON.stringify(JSON.parse(text), null, 2));
  } catch {
    io.out(text);
  }
  return res.status;
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

const common = { endpoint: { type: 'string' }, role: { type: 'string' }, dir: { type: 'string' } } as const;
const target = { ...common, url: { type: 'string' }, token: { type: 'string' } } as const;

function targetOf(values: { endpoint?: string | undefined; role?: string | undefined; dir?: string | undefined; url?: string | undefined; token?: string | undefined }): GatewayTarget {
  const t: GatewayTarget = {};
  if (values.endpoint !== undefined) t.endpoint = values.endpoint;
  if (values.role !== undefined) t.role = values.role;
  if (values.dir !== undefined) t.dir = values.dir;
  if (values.url !== undefined) t.url = values.url;
  if (values.token !== undefined) t.token = values.token;
  return t;
}

export async function tokenCommand(args: string[], io: Io = stdout): Promise<number> {
  const { values } = parseArgs({ args, options: { ...common, subject: { type: 'string' }, for: { type: 'string' } } });
  const endpoint = need(values.endpoint, '--endpoint');
  const service = values.for ?? 'gateway';
  if (service !== 'gateway' && service !== 'audit') throw new UsageError('--for must be gateway or audit');
  const dir = values.dir ?? demoDir();
  // The dev identity provider would sign for any name; a token no gateway accepts only misleads.
  const known = deploymentEndpoints(dir);
  if (!known.includes(endpoint)) {
    throw new UsageError(known.length ? `--endpoint ${endpoint} is not an endpoint of the deployment under ${dir} (it has ${known.join(', ')})` : `no deployment under ${dir}: start the demo or run mx setup --dir ${dir}`);
  }
  io.out(await officerToken(dir, endpoint, role(values.role, endpoint), values.subject, service));
  return 0;
}

export async function sendCommand(args: string[], io: Io = stdout): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...target, type: { type: 'string' }, to: { type: 'string' }, 'case-ref': { type: 'string' }, 'in-reply-to': { type: 'string' }, body: { type: 'string' } },
  });
  const body = JSON.parse(readFileSync(need(values.body, '--body (a JSON file)'), 'utf8')) as unknown;
  const request = {
    type: need(values.type, '--type'),
    to: need(values.to, '--to').split(','),
    ...(values['case-ref'] ? { caseRef: values['case-ref'] } : {}),
    ...(values['in-reply-to'] ? { inReplyTo: values['in-reply-to'] } : {}),
    body,
  };
  const status = await callGateway(targetOf(values), 'POST', '/v1/notices', { body: request }, io);
  return status < 300 ? 0 : 1;
}

export async function inboxCommand(args: string[], io: Io = stdout): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { ...target, type: { type: 'string' }, status: { type: 'string' } }, allowPositionals: true });
  const id = positionals[0];
  const q = new URLSearchParams();
  if (values.type) q.set('type', values.type);
  if (values.status) q.set('status', values.status);
  const path = id ? `/v1/inbox/${encodeURIComponent(id)}` : `/v1/inbox${q.size ? `?${q}` : ''}`;
  const status = await callGateway(targetOf(values), 'GET', path, {}, io);
  return status < 300 ? 0 : 1;
}

export async function messageCommand(args: string[], io: Io = stdout): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: target, allowPositionals: true });
  const id = need(positionals[0], 'the message id');
  const status = await callGateway(targetOf(values), 'GET', `/v1/messages/${encodeURIComponent(id)}`, {}, io);
  return status < 300 ? 0 : 1;
}
