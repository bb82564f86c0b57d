import type { RouteDef } from '../shared/router.ts';
import './events-page.ts';
import './history-page.ts';
import './checkpoints-page.ts';
import './verify-page.ts';

const AUDITOR = ['auditor'] as const;

/** The auditor's pages at the audit service (never any personal data: the log holds none). */
export const AUDITOR_ROUTES: readonly RouteDef[] = [
  { path: '/events', tag: 'mx-audit-events', roles: AUDITOR, nav: 'auditor.nav.events' },
  { path: '/message', tag: 'mx-audit-history', roles: AUDITOR, nav: 'auditor.nav.history' },
  { path: '/message/:id', tag: 'mx-audit-history', roles: AUDITOR },
  { path: '/checkpoints', tag: 'mx-audit-checkpoints', roles: AUDITOR, nav: 'auditor.nav.checkpoints' },
  { path: '/verify', tag: 'mx-audit-verify', roles: AUDITOR, nav: 'auditor.nav.verify' },
  { path: '/verify/:index', tag: 'mx-audit-verify', roles: AUDITOR },
];
