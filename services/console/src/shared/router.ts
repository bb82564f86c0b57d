/**
 * Hash routes (`#/inbox`, `#/message/<id>`): the page the officer is on, never any child data;
 * ids and case references only.
 */
export interface RouteDef {
  /** `/message/:id`: segments starting with `:` are parameters. */
  path: string;
  /** The custom element that renders the page (a subclass of MxPage). */
  tag: string;
  /** Roles that may open it (any one suffices). */
  roles: readonly string[];
  /** Catalogue key of its navigation link; pages without one are reached from other pages. */
  nav?: string;
}

export interface Match {
  route: RouteDef;
  params: Record<string, string>;
}

export function currentPath(): string {
  const h = location.hash.replace(/^#/, '');
  return h.startsWith('/') ? h.split('?')[0]! : '/';
}

export function match(routes: readonly RouteDef[], path: string, roles: readonly string[]): Match | undefined {
  const segs = path.split('/').filter(Boolean);
  for (const route of routes) {
    if (!route.roles.some((r) => roles.includes(r))) continue;
    const parts = route.path.split('/').filter(Boolean);
    if (parts.length !== segs.length) continue;
    const params: Record<string, string> = {};
    if (parts.every((p, i) => (p.startsWith(':') ? ((params[p.slice(1)] = decodeURIComponent(segs[i]!)), true) : p === segs[i]))) return { route, params };
  }
  return undefined;
}

/** `href` of a route with its parameters filled: `link('/message/:id', { id })`. */
export function link(path: string, params: Record<string, string> = {}): string {
  return '#' + path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''));
}

export function navigate(path: string, params: Record<string, string> = {}): void {
  location.hash = link(path, params);
}
