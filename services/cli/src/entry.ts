/**
 * The container image's entry point (Dockerfile `ENTRYPOINT`): `gateway` (the default `CMD`),
 * `audit`, or `mx <command> ...` (docker-compose's `setup` and `kafka-provision` one-shots). The
 * chosen program runs in this very process, as if started directly: no supervisor between it and
 * `docker stop`'s SIGTERM, and its own arguments in `process.argv`.
 */
const USAGE = 'usage: gateway | audit | mx <command> [options]   (the image runs `gateway` by default)';

// As bin/mx.js does for `npx mx`: everything a program writes (keys, stores) is owner-only.
process.umask(0o077);
const program = process.argv[2];
process.argv.splice(2, 1);
switch (program) {
  case 'gateway':
    await import('../../gateway/src/main.ts');
    break;
  case 'audit':
    await import('../../audit/src/main.ts');
    break;
  case 'mx':
    await import('./main.ts');
    break;
  case '--help':
  case 'help':
    process.stdout.write(`${USAGE}\n`);
    break;
  default:
    process.stderr.write(`${program === undefined ? '' : `unknown program: ${program}\n`}${USAGE}\n`);
    process.exit(2);
}
