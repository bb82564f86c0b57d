/**
 * The routing policy: which message type may go from whom to whom. Data, not code: adding a
 * counterpart is a line in the policy file and its keys. Some rules are not configurable because
 * breaking them would put a child's data where it must never be: victim notices and their status
 * updates never go to or come from the INTERPOL desk.
 */
import { readFileSync } from 'node:fs';
import { isEndpoint } from '../../core/src/ids/patterns.ts';
import { MESSAGE_TYPES, type MessageType } from '../../core/src/schemas/registry.ts';

export const VICTIM_TYPES: readonly MessageType[] = ['victim-repatriation-notice', 'repatriation-status-update'];
export const ALERT_TYPES: readonly MessageType[] = ['offender-travel-alert', 'offender-alert-response'];
/** Types that answer an earlier message, and the type each answers. */
export const RESPONSE_OF: Partial<Record<MessageType, MessageType>> = {
  'repatriation-status-update': 'victim-repatriation-notice',
  'offender-alert-response': 'offender-travel-alert',
};
const NEVER_INTERPOL = 'INTERPOL';

/**
 * May this endpoint hold a child's data (victim notices and their status updates) at all? The
 * INTERPOL desk never may: not by policy file, not by role (its gateway shows none to anyone).
 */
export function victimDataAllowedAt(endpoint: string): boolean {
  return endpoint !== NEVER_INTERPOL;
}

interface PolicyFile {
  version: 1;
  groups?: Record<string, string[]>;
  rules: { type: string; from: string | string[]; to: string | string[] }[];
}

export class PolicyError extends Error {}

export class RoutingPolicy {
  private constructor(
    private readonly rules: ReadonlyMap<MessageType, { from: ReadonlySet<string>; to: ReadonlySet<string> }>,
    readonly endpoints: ReadonlySet<string>,
  ) {}

  static fromFile(file: string): RoutingPolicy {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new PolicyError(`routing policy ${file}: ${(e as Error).message}`);
    }
    return RoutingPolicy.fromObject(raw, file);
  }

  /** Validates a policy document: every message type covered exactly once, groups resolved. */
  static fromObject(raw: unknown, where = 'routing policy'): RoutingPolicy {
    const p = raw as PolicyFile;
    if (typeof p !== 'object' || p === null || p.version !== 1 || !Array.isArray(p.rules)) throw new PolicyError(`${where}: expected { version: 1, rules: [...] }`);
    const groups = p.groups ?? {};
    const resolve = (v: string | string[], field: string): Set<string> => {
      const items = typeof v === 'string' ? [v] : v;
      if (!Array.isArray(items)) throw new PolicyError(`${where}: ${field} must be an endpoint list or @group`);
      const out = new Set<string>();
      for (const item of items) {
        if (item.startsWith('@')) {
          const g = groups[item.slice(1)];
          if (!g) throw new PolicyError(`${where}: unknown group ${item}`);
          g.forEach((e) => out.add(e));
        } else out.add(item);
      }
      for (const e of out) if (!isEndpoint(e)) throw new PolicyError(`${where}: ${e} is not an endpoint`);
      return out;
    };
    const rules = new Map<MessageType, { from: Set<string>; to: Set<string> }>();
    for (const r of p.rules) {
      if (!(MESSAGE_TYPES as readonly string[]).includes(r.type)) throw new PolicyError(`${where}: unknown message type ${r.type}`);
      if (rules.has(r.type as MessageType)) throw new PolicyError(`${where}: two rules for ${r.type}`);
      const rule = { from: resolve(r.from, `${r.type}.from`), to: resolve(r.to, `${r.type}.to`) };
      if (VICTIM_TYPES.includes(r.type as MessageType) && (rule.to.has(NEVER_INTERPOL) || rule.from.has(NEVER_INTERPOL))) {
        throw new PolicyError(`${where}: ${r.type} may never be routed to or from INTERPOL`);
      }
      rules.set(r.type as MessageType, rule);
    }
    const missing = MESSAGE_TYPES.filter((t) => !rules.has(t));
    if (missing.length > 0) throw new PolicyError(`${where}: no rule for ${missing.join(', ')}`);
    const endpoints = new Set<string>();
    for (const r of rules.values()) [...r.from, ...r.to].forEach((e) => endpoints.add(e));
    return new RoutingPolicy(rules, endpoints);
  }

  /** May `from` send a `type` to `to`? Never to itself. */
  allows(type: string, from: string, to: string): boolean {
    const rule = this.rules.get(type as MessageType);
    if (!rule || from === to) return false;
    if (VICTIM_TYPES.includes(type as MessageType) && (!victimDataAllowedAt(from) || !victimDataAllowedAt(to))) return false;
    return rule.from.has(from) && rule.to.has(to);
  }
}
