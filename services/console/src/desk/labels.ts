import { has, locale, t } from '../shared/i18n.ts';

/**
 * A country's name in the chosen language, with its code where the code is what the sender wrote
 * (nationalities, passports, convictions: `ZZ` would otherwise read as "Unknown Region").
 */
export function country(code: string | undefined, withCode = false): string {
  if (!code) return '—';
  let name = code;
  try {
    name = new Intl.DisplayNames([locale()], { type: 'region', fallback: 'code' }).of(code) ?? code;
  } catch {
    // An unknown code stays as written.
  }
  return withCode && name !== code ? `${name} (${code})` : name;
}

/** The catalogue text of a schema enum value (`desk.enum.<value>`, the keys the schema form uses too), or the value itself. */
export function enumText(value: string | undefined): string {
  if (value === undefined) return '—';
  const key = `desk.enum.${value}`;
  return has(key) ? t(key) : value;
}
