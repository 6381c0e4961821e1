#!/usr/bin/env bash
# Installs what Convoy needs on a fresh clone, and does nothing when it is already there.
# Used by `npm test`, `npm run demo`, `npm start` and `npm run bench`.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

# Debian packages the project needs at run or test time (node-canvas, Redis, Chromium join later).
APT_PACKAGES=(${CONVOY_APT_PACKAGES:-})

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
  local stamp=node_modules/.convoy-lock-stamp
  if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then return 0; fi
  log "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
}

ensure_node
[ ${#APT_PACKAGES[@]} -gt 0 ] && ensure_apt_packages "${APT_PACKAGES[@]}"
ensure_npm_packages
