# syntax=docker/dockerfile:1
#
# One image for the API, the dashboard and the CPU worker (compose services `api`, `dashboard`,
# `worker-cpu`; each picks its entry point with `command`). Node 20: tfjs-node 4.22 breaks on
# Node >= 23. The GPU worker has its own image: docker/worker-gpu.Dockerfile.

# ---- base: Node 20 and the npm the lockfile was written with ----
FROM node:20-bookworm-slim AS base
ARG NPM_VERSION=11.19.1
RUN npm install --global "npm@${NPM_VERSION}" --no-audit --no-fund \
 && npm cache clean --force
WORKDIR /app

# ---- build: compilers and -dev headers for node-canvas, npm ci, tsc, then prune ----
FROM base AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential python3 pkg-config ca-certificates \
      libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev \
 && rm -rf /var/lib/apt/lists/*
COPY . .
# libtensorflow for @tensorflow/tfjs-node downloads here, at image build time (never at run time).
RUN npm ci --no-audit --no-fund
RUN TURBO_TELEMETRY_DISABLED=1 npm run build
# Without dev tools. tfjs-node is an optional dependency, so a failed download would pass
# silently above: install it explicitly and load it, so the build fails instead. The GPU build of
# libtensorflow is useless without CUDA: it is dropped (the GPU worker image has it).
RUN npm prune --omit=dev --no-audit --no-fund \
 && npm install --no-save --omit=dev --no-audit --no-fund @tensorflow/tfjs-node@4.22.0 \
 && node -e "require('@tensorflow/tfjs-node')" \
 && rm -rf node_modules/@tensorflow/tfjs-node-gpu
# The runtime tree: root node_modules plus each workspace without its sources and tsconfigs
# (workspace packages are symlinked from node_modules, so their package.json and dist must come).
RUN set -eux; \
    mkdir -p /out; \
    cp -a package.json package-lock.json node_modules /out/; \
    for workspace in packages/* apps/*; do \
      [ -f "$workspace/package.json" ] || continue; \
      mkdir -p "/out/$workspace"; \
      for entry in "$workspace"/*; do \
        case "${entry##*/}" in \
          src|tsconfig*.json|*.tsbuildinfo) ;; \
          *) cp -a "$entry" "/out/$workspace/" ;; \
        esac; \
      done; \
    done

# ---- runtime: only the shared libraries node-canvas loads ----
FROM base AS runtime
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libcairo2 libpango-1.0-0 libpangocairo-1.0-0 libjpeg62-turbo libgif7 librsvg2-2 \
 && rm -rf /var/lib/apt/lists/*
# Owned by `node` so that volumes mounted here (compose: each worker's data cache) start out
# writable for it.
RUN mkdir -p /var/convoy/artifacts /var/convoy/data \
 && chown node:node /var/convoy/artifacts /var/convoy/data
ENV NODE_ENV=production \
    ARTIFACTS_DIR=/var/convoy/artifacts \
    DATA_DIR=/var/convoy/data
# Application files stay root-owned: the service user can read them, not change them.
COPY --from=build /out/ /app/
USER node
EXPOSE 3000 3001
CMD ["node", "apps/api/dist/main.js"]
