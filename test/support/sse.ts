/**
 * A Server-Sent Events client on Node's fetch and a stream reader (no dependency): it collects
 * every event and comment line of one stream as they come, until closed.
 */
import { assertConforms } from './contract.ts';

export interface SseEvent {
  id: string;
  event: string;
  data: any;
  /** When the client parsed it (Date.now()). */
  receivedAt: number;
}

export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** Set once the server ended the stream (or the connection broke). */
  ended = false;

  private constructor(
    readonly status: number,
    readonly headers: Headers,
    private readonly abort: AbortController,
  ) {}

  /**
   * Opens a stream. A response that is not an event stream (a problem) is read whole, checked
   * against the document and thrown as `{status, body, headers}` in an Error's `response`.
   */
  static async open(baseUrl: string, path: string, opts: { token?: string; lastEventId?: string } = {}): Promise<SseClient> {
    const abort = new AbortController();
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.lastEventId !== undefined) headers['last-event-id'] = opts.lastEventId;
    const res = await fetch(`${baseUrl}${path}`, { headers, signal: abort.signal });
    if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
      const text = await res.text();
      const body = JSON.parse(text) as unknown;
      assertConforms('gateway', 'GET', path, res, body);
      throw Object.assign(new Error(`no event stream: ${res.status}`), { response: { status: res.status, body, headers: res.headers } });
    }
    assertConforms('gateway', 'GET', path, res, '');
    const client = new SseClient(res.status, res.headers, abort);
    void client.read(res.body!);
    return client;
  }

  /** The opening status of a request that may or may not become a stream (role probes). */
  static async probe(baseUrl: string, path: string, token: string): Promise<{ status: number; body: any; headers: Headers }> {
    try {
      const s = await SseClient.open(baseUrl, path, { token });
      s.close();
      return { status: s.status, body: undefined, headers: s.headers };
    } catch (err) {
      const r = (err as { response?: { status: number; body: any; headers: Headers } }).response;
      if (r) return r;
      throw err;
    }
  }

  close(): void {
    this.abort.abort();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          this.block(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      /* aborted by close(), or the server went away */
    }
    this.ended = true;
  }

  private block(text: string): void {
    let id = '';
    let event = 'message';
    const data: string[] = [];
    for (const line of text.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) this.events.push({ id, event, data: JSON.parse(data.join('\n')), receivedAt: Date.now() });
  }
}
