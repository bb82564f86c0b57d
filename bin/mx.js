#!/usr/bin/env node
// The `mx` command without a build step: tsx's loader is registered in this very process, so
// signals reach the command directly (no supervising parent that could SIGKILL it) and nothing
// but the command's own output reaches stdout.
import { register } from 'tsx/esm/api';

register();
await import('../services/cli/src/main.ts');
