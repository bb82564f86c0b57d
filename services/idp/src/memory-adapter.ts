/**
 * oidc-provider's storage for one process: sessions, interactions, codes and grants in memory,
 * each dropped when it expires. A restart signs everyone out, which a console handles as an
 * ordinary sign-in (one redirect). oidc-provider's own in-memory adapter does the same but is
 * marked development-only; this one bounds its size, so a flood of authorization requests cannot
 * grow it without limit.
 */
const MAX_ENTRIES = 200_000;

interface Entry {
  payload: Record<string, unknown>;
  expiresAt: number;
}

/** The adapter factory of one provider: its own stores, so two providers in one process share nothing. */
export function memoryAdapter(): (name: string) => MemoryAdapter {
  const stores = new Map<string, Map<string, Entry>>();
  const grants = new Map<string, Set<string>>();
  return (name) => new MemoryAdapter(name, stores, grants);
}

export class MemoryAdapter {
  readonly #items: Map<string, Entry>;

  constructor(
    readonly name: string,
    private readonly stores: Map<string, Map<string, Entry>>,
    private readonly grants: Map<string, Set<string>>,
  ) {
    let s = stores.get(name);
    if (s === undefined) stores.set(name, (s = new Map()));
    this.#items = s;
  }

  #key(id: string): string {
    return `${this.name}:${id}`;
  }

  async upsert(id: string, payload: Record<string, unknown>, expiresIn: number): Promise<void> {
    if (this.#items.size >= MAX_ENTRIES) this.#sweep();
    this.#items.set(id, { payload, expiresAt: Date.now() + expiresIn * 1000 });
    const grantId = payload.grantId;
    if (typeof grantId === 'string') {
      let set = this.grants.get(grantId);
      if (set === undefined) this.grants.set(grantId, (set = new Set()));
      set.add(this.#key(id));
    }
  }

  async find(id: string): Promise<Record<string, unknown> | undefined> {
    const e = this.#items.get(id);
    if (e === undefined) return undefined;
    if (e.expiresAt <= Date.now()) {
      this.#items.delete(id);
      return undefined;
    }
    return e.payload;
  }

  async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
    for (const [id, e] of this.#items) if (e.payload.uid === uid) return this.find(id);
    return undefined;
  }

  async findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
    for (const [id, e] of this.#items) if (e.payload.userCode === userCode) return this.find(id);
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const e = this.#items.get(id);
    if (e !== undefined) e.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.#items.delete(id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of this.grants.get(grantId) ?? []) {
      const sep = key.indexOf(':');
      this.stores.get(key.slice(0, sep))?.delete(key.slice(sep + 1));
    }
    this.grants.delete(grantId);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, e] of this.#items) if (e.expiresAt <= now) this.#items.delete(id);
    // Still full: a flood; the oldest entries go first (Map keeps insertion order).
    let excess = this.#items.size - MAX_ENTRIES / 2;
    for (const id of this.#items.keys()) {
      if (excess-- <= 0) break;
      this.#items.delete(id);
    }
    for (const [grantId, keys] of this.grants) {
      for (const key of keys) {
        const sep = key.indexOf(':');
        if (!this.stores.get(key.slice(0, sep))?.has(key.slice(sep + 1))) keys.delete(key);
      }
      if (keys.size === 0) this.grants.delete(grantId);
    }
  }
}
