/**
 * The same-origin HTTP API, with the signed-in officer's bearer token. A problem+json answer is
 * thrown as a ProblemError carrying its code and per-field errors, so a form can show each error
 * beside its field and every message comes from the catalogue in the officer's language.
 */
import { accessToken, onUnauthenticated } from './auth.ts';

export interface FieldError {
  /** JSON Pointer of the failing field (`/child/names/0/value`), as the API reports it. */
  path: string;
  code: string;
  message: string;
}

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: FieldError[],
  ) {
    super(`${status} ${code}`);
    this.name = 'ProblemError';
  }
}

async function send(path: string, init: RequestInit, accept: string): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${accessToken()}`);
  headers.set('accept', accept);
  if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
  const res = await fetch(path, { ...init, headers, credentials: 'omit', cache: 'no-store', redirect: 'error' });
  if (res.ok) return res;
  let problem: { code?: unknown; detail?: unknown; errors?: unknown } = {};
  if ((res.headers.get('content-type') ?? '').includes('json')) problem = (await res.json().catch(() => ({}))) as typeof problem;
  const errors = Array.isArray(problem.errors)
    ? (problem.errors as Record<string, unknown>[]).map((e) => ({ path: String(e.path ?? ''), code: String(e.code ?? ''), message: String(e.message ?? '') }))
    : [];
  const err = new ProblemError(res.status, typeof problem.code === 'string' ? problem.code : 'HTTP_' + res.status, typeof problem.detail === 'string' ? problem.detail : '', errors);
  if (res.status === 401) onUnauthenticated();
  throw err;
}

/** `path` is relative to the origin (`/v1/inbox`); the body, if any, is sent as JSON. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
  const res = await send(path, { method: init.method ?? 'GET', headers: init.headers ?? {}, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) }, 'application/json');
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A text answer (CSV). */
export async function apiText(path: string, accept = 'text/csv'): Promise<string> {
  return (await send(path, { method: 'GET' }, accept)).text();
}

/** An Idempotency-Key for one submission: the same key on a retry means the same notice. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
