/**
 * A progress line for long work on a terminal (`mx audit verify` over 100,000 leaves takes most of
 * a minute). Written to stderr and redrawn in place; the caller uses it only when stderr is a TTY
 * and `--json` is not given, so pipes and captured output never see it.
 */

/** `leaves 1,234/100,000 (1%), 2,468/s`. */
export function formatProgress(what: string, done: number, total: number, elapsedMs: number): string {
  const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
  const rate = elapsedMs > 0 ? Math.round((done * 1000) / elapsedMs) : 0;
  return `${what} ${done.toLocaleString('en')}/${total.toLocaleString('en')} (${pct}%), ${rate.toLocaleString('en')}/s`;
}

/** Redraws at most every `everyMs`, and once at the end; `end()` clears the line. */
export function terminalProgress(stream: { write(text: string): unknown }, what: string, everyMs = 200): { update(done: number, total: number): void; end(): void } {
  const started = Date.now();
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (done < total && now - last < everyMs) return;
      last = now;
      shown = true;
      stream.write(`\r\x1b[K${formatProgress(what, done, total, now - started)}`);
    },
    end() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
