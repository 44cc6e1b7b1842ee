# syntax=docker/dockerfile:1
#
# One image for every role: ROLE=all|ingest|matcher|generator|writer (default all), or the
# role as the first argument. Node 24 runs the .ts sources directly (type stripping): no build.
#
# linux/amd64 only: package-lock.json pins chdb's engine (the embedded ClickHouse, a dependency,
# used when CLICKHOUSE_URL is unset) for linux-x64 alone. Pinned in FROM so that
# `docker build .` on an arm64 machine makes the same image (run through emulation there).
FROM --platform=linux/amd64 node:24-slim

WORKDIR /app
ENV NODE_ENV=production

# Production dependencies only, exactly as package-lock.json pins them. --ignore-scripts: the
# only install scripts are chdb's (a no-op) and the npm package `node`'s, which downloads a
# second Node 24 that the project uses outside containers; this image has its own.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force

# What the service reads at run time: its sources and the Avro schemas (src/transport/avro).
COPY src ./src
COPY schemas ./schemas

# Standalone use without CLICKHOUSE_URL keeps the embedded store here; mount a volume on it.
# With CLICKHOUSE_URL (compose, k8s) nothing is written to disk.
RUN mkdir -p /data && chown node:node /data
ENV DATA_DIR=/data

USER node
EXPOSE 3002

# 200 when the role is ready, 503 with a reason otherwise (GET /health).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.INGEST_PORT||3002)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# node is PID 1 and handles SIGTERM itself: it drains queues and buffers, then exits 0.
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=30", "src/cli/service.ts"]
