#!/usr/bin/env bash
# Installs what Convoy needs on a fresh clone, and does nothing when it is already there.
# Used by `npm test`, `npm run demo`, `npm start` and `npm run bench`.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

# Debian packages the project needs: node-canvas builds from source against cairo and pango (its
# prebuilt binaries download from outside the npm registry). `--test` adds Chromium, which only the
# browser tests drive.
APT_PACKAGES=(build-essential pkg-config libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev)

ensure_apt_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    log "missing Debian packages ${missing[*]} and no apt-get: install them by hand"; return 1
  fi
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_node() {
  local major; major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 20 ] || [ "$major" -ge 23 ]; then
    log "Node $(node --version) found; Convoy needs Node 20 or 22 (tfjs 4.22 breaks on Node >= 23)"; return 1
  fi
}

# npm ci only when the lockfile changed since the last install: a re-run costs nothing.
ensure_npm_packages() {
  # node-canvas builds with node-gyp; point it at the installed Node headers instead of a download.
  if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/common.gypi ]; then export npm_config_nodedir=/usr; fi
  local stamp=node_modules/.convoy-lock-stamp
  if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then return 0; fi
  log "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
}

# Redis answers at REDIS_URL, or a local redis-server is started (installed first if missing).
redis_answers() {
  local host=$1 port=$2
  # PING over bash's /dev/tcp: needs no client binary.
  timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port && printf 'PING\r\n' >&3 && head -c 5 <&3" 2>/dev/null | grep -q PONG
}

ensure_redis() {
  local url=${REDIS_URL:-redis://127.0.0.1:6379}
  local hostport=${url#redis://}; hostport=${hostport#*@}; hostport=${hostport%%/*}
  local host=${hostport%%:*} port=${hostport##*:}
  [ "$port" = "$hostport" ] && port=6379
  redis_answers "$host" "$port" && return 0
  case "$host" in
    127.0.0.1|localhost) ;;
    *) log "Redis at $url does not answer, and it is not local: start it, or set REDIS_URL"; return 1 ;;
  esac
  command -v redis-server >/dev/null || ensure_apt_packages redis-server
  log "starting redis-server on $host:$port"
  mkdir -p var/redis
  redis-server --daemonize yes --bind "$host" --port "$port" --save '' --appendonly no \
    --dir "$PWD/var/redis" --logfile "$PWD/var/redis/redis.log"
  for _ in $(seq 1 50); do redis_answers "$host" "$port" && return 0; sleep 0.1; done
  log "redis-server did not start; see var/redis/redis.log"; return 1
}

case "${1:-}" in
  # Chromium drives the browser tests; redis-server and redis-cli run the Redis Cluster test.
  --test) APT_PACKAGES+=(chromium redis-server) ;;
  # The anchors' Python packages (PyTorch, matplotlib), so benchmarks compare in one run.
  --bench) APT_PACKAGES+=(python3-torch python3-matplotlib) ;;
esac

ensure_node
[ ${#APT_PACKAGES[@]} -gt 0 ] && ensure_apt_packages "${APT_PACKAGES[@]}"
ensure_npm_packages
[ "${CONVOY_SKIP_REDIS:-}" = 1 ] || ensure_redis
