import type { RouteDef } from '../shared/router.ts';

/** The INTERPOL desk's pages (offender alerts only: never a victim type). */
export const DESK_ROUTES: readonly RouteDef[] = [];
