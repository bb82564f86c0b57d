/** The auditor console's filter lists are the audit service's own, and each has a text. */
import { readFileSync } from 'node:fs';
import { AUDIT_ACTIONS } from '../../services/core/src/audit/emitter.ts';
import { MESSAGE_TYPES } from '../../services/core/src/schemas/registry.ts';
import { ACTIONS, MESSAGE_TYPES as CONSOLE_TYPES } from '../../services/console/src/auditor/vocabulary.ts';

const en = (area: string): Record<string, string> => JSON.parse(readFileSync(new URL(`../../services/console/src/i18n/${area}/en.json`, import.meta.url), 'utf8')) as Record<string, string>;

describe('the auditor console vocabularies', () => {
  it('offers every audit action the services record', () => {
    expect([...ACTIONS].sort()).toEqual([...AUDIT_ACTIONS].sort());
  });

  it('offers every business message type (not receipts or audit events)', () => {
    expect([...CONSOLE_TYPES].sort()).toEqual(MESSAGE_TYPES.filter((t) => t !== 'delivery-receipt' && t !== 'audit-event').sort());
  });

  it('has a text for each', () => {
    const auditor = en('auditor');
    const common = en('common');
    expect(ACTIONS.filter((a) => !auditor[`auditor.action.${a}`])).toEqual([]);
    expect(CONSOLE_TYPES.filter((t) => !common[`common.type.${t}`])).toEqual([]);
  });
});
