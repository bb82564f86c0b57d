/**
 * The routing policy file: several rules per type add up, `between` names pairs in both
 * directions, and a bad file is refused with the rule index and field.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MESSAGE_TYPES } from '../../../services/core/src/schemas/registry.ts';
import { DEFAULT_ROUTING_POLICY } from '../../../services/gateway/src/config.ts';
import { PolicyError, RoutingPolicy } from '../../../services/gateway/src/policy.ts';

const EVERYONE = ['LA', 'TH', 'CN', 'KH', 'INTERPOL'];
/** Rules for every type but the victim types, so a test only writes those. */
const others = MESSAGE_TYPES.filter((t) => t !== 'victim-repatriation-notice' && t !== 'repatriation-status-update').map((type) => ({ type, from: EVERYONE, to: EVERYONE }));

function policyWith(victimRules: Record<string, unknown>[], statusRules: Record<string, unknown>[] = [{ type: 'repatriation-status-update', from: '@countries', to: '@countries' }]) {
  return { version: 1, groups: { countries: ['LA', 'TH', 'CN'] }, rules: [...victimRules, ...statusRules, ...others] };
}

function problemOf(raw: unknown): string {
  try {
    RoutingPolicy.fromObject(raw, 'p.json');
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return (e as Error).message;
  }
  throw new Error('the policy was accepted');
}

test('victim notices between TH and KH only: both directions, nobody else, never to itself', () => {
  const p = RoutingPolicy.fromObject(policyWith([{ type: 'victim-repatriation-notice', between: ['TH', 'KH'] }]));
  expect(p.allows('victim-repatriation-notice', 'TH', 'KH')).toBe(true);
  expect(p.allows('victim-repatriation-notice', 'KH', 'TH')).toBe(true);
  expect(p.allows('victim-repatriation-notice', 'LA', 'KH')).toBe(false);
  expect(p.allows('victim-repatriation-notice', 'KH', 'LA')).toBe(false);
  expect(p.allows('victim-repatriation-notice', 'LA', 'TH')).toBe(false);
  expect(p.allows('victim-repatriation-notice', 'TH', 'TH')).toBe(false);
  expect([...p.endpoints].sort()).toEqual([...EVERYONE].sort());
});

test('several rules for one type add up: the countries among themselves, plus TH and KH', () => {
  const p = RoutingPolicy.fromObject(
    policyWith([
      { type: 'victim-repatriation-notice', from: '@countries', to: '@countries' },
      { type: 'victim-repatriation-notice', between: ['TH', 'KH'] },
    ]),
  );
  expect(p.allows('victim-repatriation-notice', 'LA', 'CN')).toBe(true);
  expect(p.allows('victim-repatriation-notice', 'KH', 'TH')).toBe(true);
  expect(p.allows('victim-repatriation-notice', 'TH', 'KH')).toBe(true);
  expect(p.allows('victim-repatriation-notice', 'LA', 'KH')).toBe(false);
  // The other type keeps its own rule.
  expect(p.allows('repatriation-status-update', 'TH', 'KH')).toBe(false);
});

test('the INTERPOL desk never sends or receives victim data, whatever a rule says', () => {
  expect(problemOf(policyWith([{ type: 'victim-repatriation-notice', between: ['TH', 'INTERPOL'] }]))).toBe('p.json: rules[0].between: victim-repatriation-notice may never be routed to or from INTERPOL');
  expect(problemOf(policyWith([{ type: 'victim-repatriation-notice', from: ['TH'], to: ['LA'] }, { type: 'victim-repatriation-notice', from: ['TH'], to: ['INTERPOL'] }]))).toBe(
    'p.json: rules[1].to: victim-repatriation-notice may never be routed to or from INTERPOL',
  );
});

test('a bad rule is refused naming its index and field', () => {
  const victim = (rule: Record<string, unknown>) => problemOf(policyWith([{ type: 'victim-repatriation-notice', ...rule }]));
  expect(victim({ between: ['TH'] })).toBe('p.json: rules[0].between: must name at least two endpoints');
  expect(victim({ between: ['TH', 'KH'], from: 'TH' })).toMatch(/^p\.json: rules\[0\]\.between: a rule names either between or from and to/);
  expect(victim({ from: 'TH' })).toBe('p.json: rules[0].to: required (or between)');
  expect(victim({ to: 'TH' })).toBe('p.json: rules[0].from: required (or between)');
  expect(victim({ from: 'TH', to: ['LA', 'xx'] })).toBe('p.json: rules[0].to: xx is not an endpoint');
  expect(victim({ from: '@nobody', to: 'LA' })).toBe('p.json: rules[0].from: unknown group @nobody');
  expect(victim({ from: 'TH', to: 42 })).toMatch(/^p\.json: rules\[0\]\.to: must be/);
  expect(problemOf(policyWith([{ type: 'victim-notice', from: 'TH', to: 'LA' }]))).toBe('p.json: rules[0].type: unknown message type victim-notice');
  // Every type still needs a rule.
  expect(problemOf(policyWith([{ type: 'victim-repatriation-notice', between: ['TH', 'KH'] }], []))).toBe('p.json: no rule for repatriation-status-update');
  expect(problemOf({ version: 2, rules: [] })).toMatch(/expected \{ version: 1/);
});

test('an unreadable or non-JSON file is a PolicyError naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mx-policy-'));
  expect(() => RoutingPolicy.fromFile(join(dir, 'missing.json'))).toThrow(new PolicyError(`routing policy ${join(dir, 'missing.json')}: cannot be read (ENOENT)`));
  writeFileSync(join(dir, 'bad.json'), '{ "version": 1,');
  expect(() => RoutingPolicy.fromFile(join(dir, 'bad.json'))).toThrow(/^routing policy .*bad\.json: not JSON/);
});

test('the shipped policy: victim types among the countries, alerts among everyone', () => {
  const p = RoutingPolicy.fromFile(DEFAULT_ROUTING_POLICY);
  expect(p.allows('victim-repatriation-notice', 'LA', 'TH')).toBe(true);
  expect(p.allows('victim-repatriation-notice', 'LA', 'INTERPOL')).toBe(false);
  expect(p.allows('offender-travel-alert', 'INTERPOL', 'CN')).toBe(true);
  expect([...p.endpoints].sort()).toEqual(['CN', 'INTERPOL', 'LA', 'TH']);
});
