# One image for every Mekong Exchange service: `gateway` (the default), `audit`, or `mx <command>`.
#   docker build -t mekong-exchange .
#   docker run --env-file gateway.env -v ... mekong-exchange            (a gateway)
#   docker run ... mekong-exchange audit                                (the audit service)
#   docker run ... mekong-exchange mx kafka provision --dir /deployment (the CLI)
# The services run from compiled JavaScript (`npm run build`), never through a TypeScript loader.
ARG NODE_IMAGE=node:20.19-bookworm-slim

# 1. Build: every dependency (better-sqlite3 compiled from source when no prebuilt binary fits),
#    the console built by Vite, the services compiled by tsc into build/.
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schemas schemas
COPY openapi openapi
COPY services services
RUN npm run build:console && npm run build
# Production dependencies only, in a tree of their own, built here against the same Node as the
# runtime (the runtime stage has no compiler).
WORKDIR /prod
RUN cp /src/package.json /src/package-lock.json ./ \
 && npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# 2. What every runtime shares: production node_modules and the compiled tree, read-only to the
#    services (owned by root); /data, where a service keeps its store, owned by the `node` user
#    (uid 1000), so a fresh volume mounted there is too.
FROM ${NODE_IMAGE} AS base
# NODE_OPTIONS: services/core/src/process/node-flags.ts (a young generation of 2 x 8 MiB keeps a
# loaded gateway's resident memory about 50 MiB lower at the same throughput).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=8 \
    MX_HTTP_HOST=0.0.0.0 \
    MX_HTTP_PORT=8080
WORKDIR /app
COPY --from=build /prod/package.json /prod/package-lock.json ./
COPY --from=build /prod/node_modules node_modules
COPY --from=build /src/build build
RUN mkdir -m 0700 /data && chown node:node /data
ENTRYPOINT ["node", "build/services/cli/src/entry.js"]

# 3. The key ceremony (`mx setup` in docker-compose's `setup` one-shot): the same image plus the
#    JDK's keytool, which makes the Kafka CA and the broker certificate. Runs as root to hand the
#    bundles it writes to uid 1000 (the services' `node` user and the Kafka image's `appuser`).
FROM base AS ceremony
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/*
CMD ["mx", "--help"]

# 4. The runtime (the default target): a gateway unless told `audit` or `mx ...`; non-root.
FROM base AS runtime
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.MX_HTTP_PORT || '8080') + '/v1/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["gateway"]
