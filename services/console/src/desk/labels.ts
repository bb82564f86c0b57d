import { has, locale, t } from '../shared/i18n.ts';

/** A country's name in the chosen language (the code itself where Intl does not know it). */
export function country(code: string | undefined): string {
  if (!code) return '—';
  try {
    return new Intl.DisplayNames([locale()], { type: 'region', fallback: 'code' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** The catalogue text of a schema enum value (`desk.enum.<value>`, the keys the schema form uses too), or the value itself. */
export function enumText(value: string | undefined): string {
  if (value === undefined) return '—';
  const key = `desk.enum.${value}`;
  return has(key) ? t(key) : value;
}
