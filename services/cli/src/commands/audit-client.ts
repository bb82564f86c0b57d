/**
 * A small client of the audit API (openapi/audit.yaml) for `mx audit verify`: bearer token,
 * problem+json errors as {@link AuditHttpError}, cursor pagination. It trusts nothing it receives:
 * the caller checks every hash, proof and signature.
 */
import type { components } from '../../../../openapi/generated/audit.ts';

export type AuditSchemas = components['schemas'];

/** An error answer of the audit API (or a transport failure, status 0). */
export class AuditHttpError extends Error {
  override readonly name = 'AuditHttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
  }
}

export type FetchLike = (url: string, init: { headers: Record<string, string> }) => Promise<{ status: number; text(): Promise<string> }>;

export class AuditClient {
  readonly #base: string;
  readonly #headers: Record<string, string>;
  readonly #fetch: FetchLike;

  constructor(baseUrl: string, token: string | undefined, fetchImpl: FetchLike = fetch) {
    this.#base = baseUrl.replace(/\/+$/, '');
    this.#headers = { accept: 'application/json', ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) };
    this.#fetch = fetchImpl;
  }

  /** GET `path` (with its query) and parse the JSON answer. */
  async get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    let res;
    try {
      res = await this.#fetch(`${this.#base}${path}${qs ? `?${qs}` : ''}`, { headers: this.#headers });
    } catch (err) {
      throw new AuditHttpError(0, 'UNREACHABLE', `cannot reach ${this.#base}: ${(err as Error).message}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new AuditHttpError(res.status, 'NOT_JSON', `GET ${path} answered ${res.status} with a body that is not JSON`);
    }
    if (res.status !== 200) {
      const p = body as { code?: unknown; detail?: unknown; title?: unknown };
      throw new AuditHttpError(res.status, typeof p.code === 'string' ? p.code : 'UNKNOWN', `GET ${path} answered ${res.status} ${String(p.code ?? '')}: ${String(p.detail ?? p.title ?? '')}`);
    }
    return body as T;
  }

  /** Every item of a paginated list. */
  async all<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await this.get<{ items: T[]; nextCursor: string | null }>(path, { ...query, limit: 500, cursor });
      out.push(...page.items);
      if (page.nextCursor === null) return out;
      cursor = page.nextCursor;
    }
  }
}
