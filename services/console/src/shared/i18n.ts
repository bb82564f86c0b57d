/**
 * The console's four languages: English, Lao, Thai and Simplified Chinese. Every label, status and
 * error text comes from a catalogue (`src/i18n/<area>/<lang>.json`); dates and numbers are
 * formatted by the browser's Intl for the chosen language. The choice is remembered in
 * localStorage (a preference, never personal data) and mirrored in `<html lang>`.
 */
import commonEn from '../i18n/common/en.json';
import commonLo from '../i18n/common/lo.json';
import commonTh from '../i18n/common/th.json';
import commonZh from '../i18n/common/zh-Hans.json';
import problemsEn from '../i18n/problems/en.json';
import problemsLo from '../i18n/problems/lo.json';
import problemsTh from '../i18n/problems/th.json';
import problemsZh from '../i18n/problems/zh-Hans.json';
import officerEn from '../i18n/officer/en.json';
import officerLo from '../i18n/officer/lo.json';
import officerTh from '../i18n/officer/th.json';
import officerZh from '../i18n/officer/zh-Hans.json';
import deskEn from '../i18n/desk/en.json';
import deskLo from '../i18n/desk/lo.json';
import deskTh from '../i18n/desk/th.json';
import deskZh from '../i18n/desk/zh-Hans.json';
import auditorEn from '../i18n/auditor/en.json';
import auditorLo from '../i18n/auditor/lo.json';
import auditorTh from '../i18n/auditor/th.json';
import auditorZh from '../i18n/auditor/zh-Hans.json';

export const LANGUAGES = ['en', 'lo', 'th', 'zh-Hans'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language's name in itself, for the switch. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', lo: 'ລາວ', th: 'ไทย', 'zh-Hans': '简体中文' };

/** The Intl locale of each language (Lao and Thai as used in Laos and Thailand). */
const LOCALES: Record<Language, string> = { en: 'en-GB', lo: 'lo-LA', th: 'th-TH', 'zh-Hans': 'zh-Hans-CN' };

type Catalogue = Record<string, string>;
const CATALOGUES: Record<Language, Catalogue> = {
  en: { ...commonEn, ...problemsEn, ...officerEn, ...deskEn, ...auditorEn },
  lo: { ...commonLo, ...problemsLo, ...officerLo, ...deskLo, ...auditorLo },
  th: { ...commonTh, ...problemsTh, ...officerTh, ...deskTh, ...auditorTh },
  'zh-Hans': { ...commonZh, ...problemsZh, ...officerZh, ...deskZh, ...auditorZh },
};

const STORAGE_KEY = 'mx.lang';
const listeners = new Set<() => void>();

function initial(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored && (LANGUAGES as readonly string[]).includes(stored)) return stored as Language;
  for (const l of navigator.languages ?? []) {
    const tag = l.toLowerCase();
    if (tag.startsWith('lo')) return 'lo';
    if (tag.startsWith('th')) return 'th';
    if (tag.startsWith('zh')) return 'zh-Hans';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

let current: Language = initial();
document.documentElement.lang = current;

export function getLanguage(): Language {
  return current;
}

export function setLanguage(lang: Language): void {
  current = lang;
  localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
  for (const l of listeners) l();
}

/** Called after every language change (the shell re-renders the page). */
export function onLanguageChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The text of `key` with `{name}` placeholders filled; English if a language lacks it (a test forbids that). */
export function t(key: string, params: Record<string, string | number> = {}): string {
  const text = CATALOGUES[current][key] ?? CATALOGUES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? typeof params[name] === 'number' ? formatNumber(params[name] as number) : String(params[name]) : m));
}

/** Whether the catalogue has a text for `key` (e.g. a status value the server added later). */
export function has(key: string): boolean {
  return key in CATALOGUES.en;
}

/** The text of a problem code (`problem.<CODE>`), or the generic one for a code the console does not know. */
export function problemText(code: string): string {
  return has(`problem.${code}`) ? t(`problem.${code}`) : t('common.error.unknown', { code });
}

export function locale(): string {
  return LOCALES[current];
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(locale()).format(n);
}

/**
 * Browsers built without Lao locale data (Debian's Chromium among them) format `lo` dates in
 * English; then the console writes Lao dates itself: day, Lao month name, year, 24-hour time.
 */
const LAO_MONTHS = ['ມັງກອນ', 'ກຸມພາ', 'ມີນາ', 'ເມສາ', 'ພຶດສະພາ', 'ມິຖຸນາ', 'ກໍລະກົດ', 'ສິງຫາ', 'ກັນຍາ', 'ຕຸລາ', 'ພະຈິກ', 'ທັນວາ'];
const LAO_UNITS: Record<string, string> = { day: 'ມື້', hour: 'ຊົ່ວໂມງ', minute: 'ນາທີ' };
const laoMissing = (() => {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf(['lo']).length === 0;
  } catch {
    return true;
  }
})();
const useLaoFallback = (): boolean => current === 'lo' && laoMissing;

function laoDate(d: Date, utc: boolean): string {
  const [day, month, year] = utc ? [d.getUTCDate(), d.getUTCMonth(), d.getUTCFullYear()] : [d.getDate(), d.getMonth(), d.getFullYear()];
  return `${day} ${LAO_MONTHS[month]} ${year}`;
}

export function formatDate(value: string | number | Date): string {
  if (useLaoFallback()) return laoDate(new Date(value), true);
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(value));
}

export function formatDateTime(value: string | number | Date): string {
  const d = new Date(value);
  if (useLaoFallback()) return `${laoDate(d, false)} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** A duration in the largest fitting unit (days, hours, minutes), signed values as their magnitude. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  const [value, unit] = abs >= 86_400_000 ? [abs / 86_400_000, 'day'] : abs >= 3_600_000 ? [abs / 3_600_000, 'hour'] : [abs / 60_000, 'minute'];
  if (useLaoFallback()) return `${formatNumber(Math.floor(value))} ${LAO_UNITS[unit]}`;
  return new Intl.NumberFormat(locale(), { style: 'unit', unit, unitDisplay: 'long', maximumFractionDigits: 0 }).format(Math.floor(value));
}
