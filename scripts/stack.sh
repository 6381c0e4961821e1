#!/usr/bin/env bash
# Starts Convoy's stack on this machine: Redis (ensured), the API, one worker (and the dashboard when
# it exists). `--demo` also submits the seed notebook's training job and follows its progress.
# Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
demo=0; [ "${1:-}" = "--demo" ] && demo=1

bash scripts/setup.sh
TURBO_TELEMETRY_DISABLED=1 npx turbo run build --output-logs=errors-only >/dev/null

export API_PORT=${API_PORT:-3000} DASHBOARD_PORT=${DASHBOARD_PORT:-3001}
export API_URL=${API_URL:-http://127.0.0.1:$API_PORT}
mkdir -p var/log
pids=()
cleanup() {
  trap - EXIT INT TERM
  [ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null && wait "${pids[@]}" 2>/dev/null
  echo "Convoy stopped."
}
trap cleanup EXIT INT TERM

start() { # name entry
  node "$2" >"var/log/$1.log" 2>&1 &
  pids+=($!)
}

start api apps/api/dist/main.js
start worker apps/worker/dist/main.js
[ -f apps/dashboard/dist/main.js ] && start dashboard apps/dashboard/dist/main.js

healthy() { node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$API_URL/healthz"; }
for _ in $(seq 1 100); do
  healthy && break
  sleep 0.2
done
healthy || { echo "the API did not start; see var/log/api.log"; exit 1; }

echo "Convoy is running (logs in var/log/):"
[ -f apps/dashboard/dist/main.js ] && echo "  dashboard   http://127.0.0.1:$DASHBOARD_PORT/"
echo "  API         $API_URL/v1/jobs   (OpenAPI: $API_URL/openapi.json)"
echo "  queues      $API_URL/admin/queues"
echo "  metrics     $API_URL/metrics"

if [ $demo = 1 ]; then
  echo "Submitting the seed notebook's training job (10 epochs, early stopping, best-model checkpoint)…"
  node apps/cli/bin/convoy.js submit train --watch || true
  echo "The stack keeps running; Ctrl-C stops it."
fi
wait
