/**
 * Runs the provider in this process on a free port, for tests: the issuer names the port, so the
 * port is taken first and the provider built for it after.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIdpApp, type Idp, type IdpOptions } from './app.ts';

export interface RunningIdp extends Idp {
  issuer: string;
  server: Server;
  close(): Promise<void>;
}

export async function listenIdp(o: Omit<IdpOptions, 'issuer'>, host = '127.0.0.1'): Promise<RunningIdp> {
  let handler: ((req: Parameters<Parameters<typeof createServer>[1] & object>[0], res: Parameters<Parameters<typeof createServer>[1] & object>[1]) => void) | undefined;
  const server = createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;
  const idp = await createIdpApp({ ...o, issuer });
  handler = idp.app;
  return {
    ...idp,
    issuer,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
