import { formatDuration, t } from '../shared/i18n.ts';

/** "in 2 days" before the instant, "3 hours ago" after it, measured from `now` (the browser's clock). */
export function untilOrSince(instant: string, now: number): string {
  const diff = Date.parse(instant) - now;
  return diff >= 0 ? t('desk.time.in', { d: formatDuration(diff) }) : t('desk.time.ago', { d: formatDuration(diff) });
}

/** Classes that mean the alert reached the desk once the subject could already be in the country. */
export function cameLate(timeliness: string | undefined): boolean {
  return timeliness === 'after-arrival' || timeliness === 'after-departure';
}
