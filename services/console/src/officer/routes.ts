import type { RouteDef } from '../shared/router.ts';
import './case.ts';
import './compose.ts';
import './inbox.ts';
import './message.ts';
import './respond.ts';
import './statistics.ts';

const OFFICER = ['liaison-officer'] as const;
const ANALYSTS = ['analyst', 'auditor'] as const;

/** The liaison officer's pages, and the statistics page of analysts and auditors. */
export const OFFICER_ROUTES: readonly RouteDef[] = [
  { path: '/inbox', tag: 'mx-officer-inbox', roles: OFFICER, nav: 'officer.nav.inbox' },
  { path: '/compose', tag: 'mx-officer-compose', roles: OFFICER, nav: 'officer.nav.compose' },
  { path: '/case', tag: 'mx-officer-case', roles: OFFICER, nav: 'officer.nav.cases' },
  { path: '/case/:caseRef', tag: 'mx-officer-case', roles: OFFICER },
  { path: '/message/:id', tag: 'mx-officer-message', roles: OFFICER },
  { path: '/message/:id/respond', tag: 'mx-officer-respond', roles: OFFICER },
  { path: '/statistics', tag: 'mx-officer-statistics', roles: ANALYSTS, nav: 'officer.nav.statistics' },
];
