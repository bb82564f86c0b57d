/**
 * Runs the provider in this process, for tests: the issuer names the port, so the port is taken
 * first ({@link openIdpPort}), and the provider is built for it once the consoles it serves are
 * known (their origins are the gateways' own addresses, which may need the issuer to start).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIdpApp, type Idp, type IdpOptions } from './app.ts';

export interface RunningIdp extends Idp {
  issuer: string;
  server: Server;
  close(): Promise<void>;
}

export interface IdpPort {
  issuer: string;
  /** Builds the provider and serves it on the port; until then requests are answered 503. */
  serve(o: Omit<IdpOptions, 'issuer'>): Promise<RunningIdp>;
  close(): Promise<void>;
}

export async function openIdpPort(host = '127.0.0.1'): Promise<IdpPort> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    issuer,
    close,
    async serve(o) {
      const idp = await createIdpApp({ ...o, issuer });
      handler = idp.app;
      return { ...idp, issuer, server, close };
    },
  };
}

export async function listenIdp(o: Omit<IdpOptions, 'issuer'>, host = '127.0.0.1'): Promise<RunningIdp> {
  return (await openIdpPort(host)).serve(o);
}
