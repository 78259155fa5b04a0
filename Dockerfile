# syntax=docker/dockerfile:1
# Gateway Doctor: build once (TypeScript to dist/, the status page's script prebuilt), run compiled JavaScript
# as a non-root user. Build from the repository root: `docker build -t gateway-doctor .` (deploy/README.md).
ARG NODE_VERSION=20

# --- build: every dependency, the compiler, then only what production needs ---------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches the platform.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Scripts off while only the manifests are here (`prepare` needs the sources); the two native/binary
# packages get theirs right after.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY dialogs ./dialogs
COPY locales ./locales
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime: production dependencies, dist/ and the locales; no compiler, no sources ----------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ARG PORT=3978
ENV NODE_ENV=production \
    PORT=${PORT} \
    STORAGE=sqlite:/data/gateway-doctor.db
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/locales ./locales
# SQLite's file lives in a volume the unprivileged user owns (ignored with STORAGE=redis://...).
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE ${PORT}
HEALTHCHECK --interval=30s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3978) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The bot by default; a probe worker runs the same image with
#   node dist/src/probe/worker/worker-cli.js --region NAME
CMD ["node", "dist/src/index.js"]
