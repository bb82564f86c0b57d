/**
 * Node options every service process runs with: the container image sets them as `NODE_OPTIONS`
 * (Dockerfile), and the demo and the benchmark pass them when they start a service
 * (services/cli/src/demo/processes.ts).
 *
 * `--max-semi-space-size=8`: V8's young generation holds two semi-spaces of up to 16 MiB each by
 * default on 64-bit, and a loaded gateway fills them, so 32 MiB of its resident memory is young
 * objects that die within a request. Capping each at 8 MiB took the sending gateway's peak RSS in
 * the benchmark's 30 s sustained run from 225 to 170 MiB at the same throughput and CPU per notice
 * (README "Performance"): the extra scavenges of a smaller young generation cost less than the
 * measurement's noise.
 */
export const SERVICE_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=8'];
