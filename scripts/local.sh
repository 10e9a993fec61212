#!/usr/bin/env bash
# Runs the product on this machine with no MongoDB installed: FerretDB and Redis on loopback, then
# `support-history start` (bot + worker). FerretDB keeps its data in the PostgreSQL database support_history_local
# when a PostgreSQL server answers, else in SQLite under .services/data (scripts/test-services.sh; FERRETDB_BACKEND
# forces one). MONGO_URL/REDIS_URL in the environment or .env win.
#
# Stopping: SIGTERM, SIGINT (Ctrl-C) or SIGHUP, sent to this script or to the `npm run start:local` running it
# (npm passes SIGTERM and SIGINT on), stops the app (it lets running jobs finish), then the FerretDB (and the
# Redis) this script started: nothing is left running and no port stays held. When the process that started the
# script goes away without passing a signal on (npm exits on SIGHUP without forwarding it, or is killed with
# SIGKILL), the script notices within a second and stops the same way.
#
# Settings of the script itself (the app's are in .env.example):
#   FERRETDB_PORT         FerretDB's port (27017)
#   LOCAL_STATE           folder of the pid files and FerretDB's log (.services/local)
#   LOCAL_DATA            FerretDB's SQLite data, kept between runs (.services/data)
#   FERRETDB_PG_DATABASE  FerretDB's PostgreSQL database, kept between runs (support_history_local)
#   FERRETDB_BACKEND      postgresql or sqlite (default: PostgreSQL when one answers)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
export FERRETDB_PORT="${FERRETDB_PORT:-27017}"
# A state folder of its own, so the tests' servers (.services) and this one never take each other for theirs.
export SERVICES_STATE="${LOCAL_STATE:-.services/local}"
DATA="${LOCAL_DATA:-$PWD/.services/data}"
# Data an earlier run kept in SQLite stays where it is: use that backend again unless told otherwise.
if [ -z "${FERRETDB_BACKEND:-}" ] && compgen -G "$DATA/*.sqlite" >/dev/null; then export FERRETDB_BACKEND=sqlite; fi

app=""
stopped=""
# Stops what this script started, once: the app first (it finishes its running jobs), then the services.
stop_all() {
  [ -z "$stopped" ] || return 0
  stopped=1
  if [ -n "$app" ] && kill -0 "$app" 2>/dev/null; then
    kill -TERM "$app" 2>/dev/null || true
    wait "$app" 2>/dev/null || true
  fi
  bash scripts/test-services.sh stop || true
}
# After stopping, die of the same signal, so npm (and a shell) see how the script ended and say nothing more.
on_signal() {
  stop_all
  trap - "$1" EXIT
  kill -s "$1" $$
}
trap 'on_signal TERM' TERM
trap 'on_signal INT' INT
trap 'on_signal HUP' HUP
trap stop_all EXIT

vars=$(FERRETDB_DATA_DIR="$DATA" FERRETDB_PG_DATABASE="${FERRETDB_PG_DATABASE:-support_history_local}" bash scripts/test-services.sh start)
if [ -z "${MONGO_URL:-}" ] && ! grep -qs '^MONGO_URL=' .env; then export MONGO_URL=$(echo "$vars" | sed -n 's/^MONGO_URL=//p'); fi
if [ -z "${REDIS_URL:-}" ] && ! grep -qs '^REDIS_URL=' .env; then export REDIS_URL=$(echo "$vars" | sed -n 's/^REDIS_URL=//p'); fi

# The app runs as this script's child (node itself, not through npx or the tsx launcher, which would put one
# more process between a signal and the app), and the script waits for it a second at a time.
node --import tsx bin/cli.ts start &
app=$!
parent=$(ps -o ppid= -p $$ | tr -d ' ')
while kill -0 "$app" 2>/dev/null; do
  if [ "$(ps -o ppid= -p $$ | tr -d ' ')" != "$parent" ]; then
    echo "start:local: the process that started it is gone; stopping" >&2
    stop_all
    exit 1
  fi
  sleep 1 &
  wait $! || true
done
set +e
wait "$app"
status=$?
set -e
exit "$status"
