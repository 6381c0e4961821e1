# syntax=docker/dockerfile:1
#
# The GPU worker (compose service `worker`): @tensorflow/tfjs-node-gpu 4.22 links libtensorflow
# 2.7, built for CUDA 11.2 and cuDNN 8, hence this base. Node 20 (tfjs-node 4.22 breaks on
# Node >= 23). The host needs an NVIDIA driver and the NVIDIA Container Toolkit; the image itself
# holds no driver. Native modules are compiled on this same Ubuntu 20.04 base (glibc 2.31), which
# is why this does not reuse the Debian-based node image.

# ---- base: CUDA 11.2 + cuDNN 8 runtime, Node 20, the shared libraries node-canvas loads ----
FROM nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04 AS base
ARG NODE_VERSION=20.20.2
ARG NPM_VERSION=11.19.1
ARG DEBIAN_FRONTEND=noninteractive
# Nothing comes from NVIDIA's apt repositories (CUDA and cuDNN are in the image already), and
# their signing key has been rotated under old images before: leave them out of apt.
RUN rm -f /etc/apt/sources.list.d/cuda*.list /etc/apt/sources.list.d/nvidia-ml*.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates curl xz-utils \
      libcairo2 libpango-1.0-0 libpangocairo-1.0-0 libjpeg-turbo8 libgif7 librsvg2-2 \
 && rm -rf /var/lib/apt/lists/*
# Node from the official tarball, checked against the release's SHASUMS256.txt.
RUN set -eux; \
    tarball="node-v${NODE_VERSION}-linux-x64.tar.xz"; \
    curl -fsSLO "https://nodejs.org/dist/v${NODE_VERSION}/${tarball}"; \
    curl -fsSL "https://nodejs.org/dist/v${NODE_VERSION}/SHASUMS256.txt" \
      | grep " ${tarball}\$" | sha256sum -c -; \
    tar -xJf "${tarball}" -C /usr/local --strip-components=1 --no-same-owner; \
    rm -f "${tarball}" /usr/local/CHANGELOG.md /usr/local/LICENSE /usr/local/README.md; \
    npm install --global "npm@${NPM_VERSION}" --no-audit --no-fund; \
    npm cache clean --force; \
    node --version; npm --version
# The same uid as the `node` user of the node image, so that both can write one artifacts directory
# (ARTIFACTS_DIR) where artifacts are not kept in a bucket.
RUN useradd --uid 1000 --user-group --create-home --shell /usr/sbin/nologin node \
 && mkdir -p /app /var/convoy/artifacts /var/convoy/data \
 && chown node:node /var/convoy/artifacts /var/convoy/data
WORKDIR /app

# ---- build: compilers and -dev headers, npm ci, tsc, libtensorflow (GPU) ----
FROM base AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential python3 pkg-config \
      libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev \
 && rm -rf /var/lib/apt/lists/*
COPY . .
RUN npm ci --no-audit --no-fund
RUN TURBO_TELEMETRY_DISABLED=1 npm run build
# tfjs-node-gpu is an optional dependency: a failed libtensorflow download would pass silently in
# `npm ci`. Install it explicitly so it downloads now, at image build time, and check its files
# (it cannot be loaded here: libcuda comes from the host driver, at run time only).
RUN npm prune --omit=dev --no-audit --no-fund \
 && npm install --no-save --omit=dev --no-audit --no-fund @tensorflow/tfjs-node-gpu@4.22.0 \
 && test -n "$(find node_modules/@tensorflow/tfjs-node-gpu/lib -name tfjs_binding.node)" \
 && test -n "$(find node_modules/@tensorflow/tfjs-node-gpu/deps/lib -name 'libtensorflow.so*')"
# The runtime tree: root node_modules plus each workspace without its sources and tsconfigs.
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

# ---- runtime ----
FROM base AS runtime
ENV NODE_ENV=production \
    ARTIFACTS_DIR=/var/convoy/artifacts \
    DATA_DIR=/var/convoy/data \
    CONVOY_BACKEND=tensorflow-gpu \
    WORKER_QUEUES=train,visualize,sweep \
    TF_FORCE_GPU_ALLOW_GROWTH=true
COPY --from=build /out/ /app/
USER node
CMD ["node", "apps/worker/dist/main.js"]
