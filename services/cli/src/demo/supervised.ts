/**
 * Preloaded (`--import`) into every service the demo starts: when the supervisor's IPC channel
 * closes (the demo was killed before it could stop its children), the service stops as if told to
 * by SIGTERM (draining its outbox) instead of running on as an orphan.
 */
if (process.send) {
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
export {};
