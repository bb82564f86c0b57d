/**
 * Lag per gateway: how long ago the broker appended each gateway's newest logged event. Gateways
 * send a heartbeat event when they have nothing else to log, so a gateway silent for longer than
 * `MX_AUDIT_SILENT_AFTER_SECONDS` has a stalled audit trail or is down; an auditor sees it here
 * rather than inferring it from an absence.
 */
import type { components } from '../../../openapi/generated/audit.ts';
import type { GatewayHeadRow } from './store.ts';

export type GatewayLag = components['schemas']['GatewayLag'];

export interface LagOptions {
  now: number;
  /** When the service began consuming; undefined while it has not. */
  startedAt: number | undefined;
  silentAfterMs: number;
}

/** One entry per gateway with a logged event and per endpoint of the registry, sorted by name. */
export function gatewayLag(heads: readonly GatewayHeadRow[], registered: readonly string[], o: LagOptions): GatewayLag[] {
  const byGateway = new Map(heads.map((h) => [h.gateway, h]));
  const names = [...new Set([...registered, ...byGateway.keys()])].sort();
  return names.map((gateway) => {
    const head = byGateway.get(gateway);
    if (head === undefined) {
      // Never heard of: silent once the service has listened for longer than a heartbeat should take.
      const silent = o.startedAt !== undefined && o.now - o.startedAt > o.silentAfterMs;
      return { gateway, lastSeq: 0, silent };
    }
    const lagMs = Math.max(0, o.now - head.last_appended_at);
    return {
      gateway,
      lastSeq: head.last_seq,
      ...(head.last_issued_at !== null ? { lastIssuedAt: head.last_issued_at } : {}),
      lastAppendedAt: new Date(head.last_appended_at).toISOString(),
      lagSeconds: lagMs / 1000,
      silent: lagMs > o.silentAfterMs,
    };
  });
}
