import type { RouteDef } from '../shared/router.ts';

/** The liaison officer's pages. */
export const OFFICER_ROUTES: readonly RouteDef[] = [];
