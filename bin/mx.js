#!/usr/bin/env node
// The `mx` command without a build step: tsx's loader is registered in this very process, so
// signals reach the command directly (no supervising parent that could SIGKILL it) and nothing
// but the command's own output reaches stdout.
import { register } from 'tsx/esm/api';

// Everything the command creates (deployment keys, demo stores and logs, the local broker's Kafka
// segments) is owner-only: 0700 directories, 0600 files.
process.umask(0o077);
register();
await import('../services/cli/src/main.ts');
