import type { RouteDef } from '../shared/router.ts';
import './desk.css';
import './board.ts';
import './alert-view.ts';
import './sent-view.ts';
import './respond.ts';
import './issue.ts';

const DESK = ['interpol-desk'] as const;

/**
 * The INTERPOL desk's pages (offender alerts only: never a victim type; no route, label, filter or
 * count of one). `/alerts/new` comes before `/alerts/:id` so it is never read as an id.
 */
export const DESK_ROUTES: readonly RouteDef[] = [
  { path: '/alerts', tag: 'mx-desk-board', roles: DESK, nav: 'desk.nav.board' },
  { path: '/alerts/new', tag: 'mx-desk-issue', roles: DESK, nav: 'desk.nav.issue' },
  { path: '/alerts/:id', tag: 'mx-desk-alert', roles: DESK },
  { path: '/alerts/:id/respond', tag: 'mx-desk-respond', roles: DESK },
];
