/**
 * Server-Sent Events over fetch: EventSource cannot send the bearer token, and a token must never
 * travel in a URL. Reconnects with `Last-Event-ID` after a drop, so nothing committed meanwhile
 * is missed; stops when `close()` is called or the officer signs out.
 */
import { accessToken, session } from './auth.ts';

export interface StreamEvent {
  id: string;
  event: string;
  data: unknown;
}

export interface EventStream {
  close(): void;
}

export function openEventStream(path: string, onEvent: (e: StreamEvent) => void, onState?: (connected: boolean) => void): EventStream {
  const abort = new AbortController();
  let lastId: string | undefined;
  let closed = false;

  const run = async (): Promise<void> => {
    let backoff = 500;
    while (!closed && session()) {
      try {
        const headers: Record<string, string> = { authorization: `Bearer ${accessToken()}`, accept: 'text/event-stream' };
        if (lastId !== undefined) headers['last-event-id'] = lastId;
        const res = await fetch(path, { headers, signal: abort.signal, credentials: 'omit', cache: 'no-store' });
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onState?.(true);
        backoff = 500;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
            let id: string | undefined;
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split(/\r?\n/)) {
              if (line.startsWith(':')) continue;
              const i = line.indexOf(':');
              const field = i < 0 ? line : line.slice(0, i);
              const val = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
              if (field === 'id') id = val;
              else if (field === 'event') event = val;
              else if (field === 'data') data.push(val);
            }
            if (id !== undefined) lastId = id;
            if (data.length === 0) continue;
            let parsed: unknown;
            try {
              parsed = JSON.parse(data.join('\n'));
            } catch {
              parsed = data.join('\n');
            }
            onEvent({ id: id ?? '', event, data: parsed });
          }
        }
      } catch {
        if (closed) return;
      }
      onState?.(false);
      if (closed) return;
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 10_000);
    }
  };
  void run();
  return {
    close() {
      closed = true;
      abort.abort();
    },
  };
}
