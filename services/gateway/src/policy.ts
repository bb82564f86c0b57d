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
export const ALERT_TYPES: readonly MessageType[] = ['offender-travel-alert', 'offender-alert-response', 'offender-alert-withdrawal'];
/**
 * Types that follow an earlier message and go where it went: without a rule of their own they are
 * routed by the rules of the type they follow (a withdrawal may go wherever its alert could).
 */
export const FOLLOWS: Partial<Record<MessageType, MessageType>> = {
  'offender-alert-withdrawal': 'offender-travel-alert',
};
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

/** One rule: `from` may send to `to`, or any two distinct endpoints of `between` to each other. */
type RuleSpec = { type: string; from?: string | string[]; to?: string | string[]; between?: string | string[] };

interface PolicyFile {
  version: 1;
  groups?: Record<string, string[]>;
  rules: RuleSpec[];
}

/** A rule as resolved: who may send, and to whom. `between` becomes both directions of its list. */
interface Rule {
  from: ReadonlySet<string>;
  to: ReadonlySet<string>;
}

/** A routing policy file that cannot be used; the message names the file, the rule index and the field. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

export class RoutingPolicy {
  private constructor(
    private readonly rules: ReadonlyMap<MessageType, readonly Rule[]>,
    readonly endpoints: ReadonlySet<string>,
  ) {}

  static fromFile(file: string): RoutingPolicy {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new PolicyError(`routing policy ${file}: cannot be read (${code ?? (e as Error).message})`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new PolicyError(`routing policy ${file}: not JSON: ${(e as Error).message}`);
    }
    return RoutingPolicy.fromObject(raw, `routing policy ${file}`);
  }

  /**
   * Validates a policy document. Every message type needs at least one rule; several rules for a
   * type add up (a message is allowed when any of them allows it). A rule names either `from` and
   * `to`, or `between` (any two distinct endpoints of the list, both directions).
   */
  static fromObject(raw: unknown, where = 'routing policy'): RoutingPolicy {
    const p = raw as PolicyFile;
    if (typeof p !== 'object' || p === null || p.version !== 1 || !Array.isArray(p.rules)) throw new PolicyError(`${where}: expected { version: 1, rules: [...] }`);
    const groups = p.groups ?? {};
    if (typeof groups !== 'object' || groups === null || Array.isArray(groups)) throw new PolicyError(`${where}: groups must be an object of endpoint lists`);
    const resolve = (v: unknown, field: string): Set<string> => {
      const items = typeof v === 'string' ? [v] : v;
      if (!Array.isArray(items)) throw new PolicyError(`${where}: ${field}: must be an endpoint, an endpoint list or @group`);
      const out = new Set<string>();
      for (const item of items as unknown[]) {
        if (typeof item !== 'string') throw new PolicyError(`${where}: ${field}: must hold endpoint names or @group`);
        if (item.startsWith('@')) {
          const g = groups[item.slice(1)];
          if (!Array.isArray(g)) throw new PolicyError(`${where}: ${field}: unknown group ${item}`);
          g.forEach((e) => out.add(e));
        } else out.add(item);
      }
      for (const e of out) if (!isEndpoint(e)) throw new PolicyError(`${where}: ${field}: ${e} is not an endpoint`);
      return out;
    };
    const rules = new Map<MessageType, Rule[]>();
    p.rules.forEach((r: RuleSpec, i) => {
      const at = `rules[${i}]`;
      if (typeof r !== 'object' || r === null) throw new PolicyError(`${where}: ${at} must be an object`);
      if (!(MESSAGE_TYPES as readonly string[]).includes(r.type)) throw new PolicyError(`${where}: ${at}.type: unknown message type ${String(r.type)}`);
      const type = r.type as MessageType;
      let rule: Rule;
      if (r.between !== undefined) {
        if (r.from !== undefined || r.to !== undefined) throw new PolicyError(`${where}: ${at}.between: a rule names either between or from and to, not both`);
        const between = resolve(r.between, `${at}.between`);
        if (between.size < 2) throw new PolicyError(`${where}: ${at}.between: must name at least two endpoints`);
        rule = { from: between, to: between };
      } else {
        if (r.from === undefined) throw new PolicyError(`${where}: ${at}.from: required (or between)`);
        if (r.to === undefined) throw new PolicyError(`${where}: ${at}.to: required (or between)`);
        rule = { from: resolve(r.from, `${at}.from`), to: resolve(r.to, `${at}.to`) };
      }
      if (VICTIM_TYPES.includes(type) && (rule.to.has(NEVER_INTERPOL) || rule.from.has(NEVER_INTERPOL))) {
        const field = r.between !== undefined ? 'between' : rule.from.has(NEVER_INTERPOL) ? 'from' : 'to';
        throw new PolicyError(`${where}: ${at}.${field}: ${type} may never be routed to or from INTERPOL`);
      }
      rules.set(type, [...(rules.get(type) ?? []), rule]);
    });
    const missing = MESSAGE_TYPES.filter((t) => !rules.has(t) && FOLLOWS[t] === undefined);
    if (missing.length > 0) throw new PolicyError(`${where}: no rule for ${missing.join(', ')}`);
    const endpoints = new Set<string>();
    for (const list of rules.values()) for (const r of list) [...r.from, ...r.to].forEach((e) => endpoints.add(e));
    return new RoutingPolicy(rules, endpoints);
  }

  /** May `from` send a `type` to `to`? Never to itself. */
  allows(type: string, from: string, to: string): boolean {
    const followed = FOLLOWS[type as MessageType];
    const list = this.rules.get(type as MessageType) ?? (followed !== undefined ? this.rules.get(followed) : undefined);
    if (!list || from === to) return false;
    if (VICTIM_TYPES.includes(type as MessageType) && (!victimDataAllowedAt(from) || !victimDataAllowedAt(to))) return false;
    return list.some((rule) => rule.from.has(from) && rule.to.has(to));
  }
}
