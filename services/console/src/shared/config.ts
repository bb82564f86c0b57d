/** What the serving gateway or audit service tells the page: who it is and where to sign in. */
export interface ConsoleConfig {
  service: 'gateway' | 'audit';
  endpoint: string;
  oidc: { issuer: string; clientId: string; resource: string; scope: string };
}

let loaded: ConsoleConfig | undefined;

export async function loadConfig(): Promise<ConsoleConfig> {
  if (loaded) return loaded;
  const res = await fetch('./config.json', { cache: 'no-store', credentials: 'omit' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  loaded = (await res.json()) as ConsoleConfig;
  return loaded;
}

/** The configuration once `loadConfig()` has resolved (the shell loads it before any page). */
export function config(): ConsoleConfig {
  if (!loaded) throw new Error('the console configuration is not loaded yet');
  return loaded;
}
