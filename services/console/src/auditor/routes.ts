import type { RouteDef } from '../shared/router.ts';

/** The auditor's pages at the audit service (never any personal data). */
export const AUDITOR_ROUTES: readonly RouteDef[] = [];
