/**
 * The load generator's client: POST /v1/notices over keep-alive HTTP/1.1 (node:http, no extra
 * library), with a real officer token from the deployment's identity provider. Each notice opens
 * its own case (a fresh `caseRef`), as a stream of independent victim notices would; the body is
 * the fixture, serialized once.
 */
import { Agent, request } from 'node:http';
import { epochMs } from '../stats.ts';

export interface Submission {
  /** When the request was started (epoch ms). */
  startedAt: number;
  /** Time to the complete response (ms). */
  httpMs: number;
  status: number;
  /** The message id of a 202. */
  id?: string;
}

export class NoticeClient {
  private readonly agent: Agent;
  private readonly url: URL;
  private readonly bodyJson: string;
  /** The request JSON up to the case number. */
  private readonly prefix: string;
  private next: number;
  inFlight = 0;

  constructor(
    baseUrl: string,
    private readonly token: string,
    body: Record<string, unknown>,
    opts: { maxSockets: number; sender: string; recipient: string; firstCase?: number },
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: opts.maxSockets, maxFreeSockets: opts.maxSockets });
    this.url = new URL('/v1/notices', baseUrl);
    this.bodyJson = JSON.stringify(body);
    this.prefix = `{"type":"victim-repatriation-notice","to":${JSON.stringify([opts.recipient])},"caseRef":"${opts.sender}-2026-`;
    this.next = opts.firstCase ?? 100;
  }

  /** Submits one notice; never rejects (a transport error is status 0). */
  submit(): Promise<Submission> {
    const caseNo = this.next++;
    if (caseNo > 999_999) throw new Error('case numbers exhausted: at most 999,900 notices per run');
    const payload = `${this.prefix}${String(caseNo).padStart(6, '0')}","body":${this.bodyJson}}`;
    const startedAt = epochMs();
    this.inFlight += 1;
    return new Promise<Submission>((resolve) => {
      const done = (status: number, id?: string) => {
        this.inFlight -= 1;
        resolve({ startedAt, httpMs: epochMs() - startedAt, status, ...(id !== undefined ? { id } : {}) });
      };
      const req = request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status !== 202) return done(status);
            try {
              done(status, (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string }).id);
            } catch {
              done(0);
            }
          });
          res.on('error', () => done(0));
        },
      );
      req.on('error', () => done(0));
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
