#!/usr/bin/env bash
# Runs the product on this machine with no MongoDB installed: FerretDB and Redis on loopback, then `npm start`
# (bot + worker). FerretDB keeps its data in the PostgreSQL database support_history_local when a PostgreSQL
# server answers, else in SQLite under .services/data (scripts/test-services.sh; FERRETDB_BACKEND forces one).
# MONGO_URL/REDIS_URL in the environment or .env win.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
export FERRETDB_PORT="${FERRETDB_PORT:-27017}"
# A state folder of its own, so the tests' servers (.services) and this one never take each other for theirs.
export SERVICES_STATE=.services/local
# Data an earlier run kept in SQLite stays where it is: use that backend again unless told otherwise.
if [ -z "${FERRETDB_BACKEND:-}" ] && compgen -G ".services/data/*.sqlite" >/dev/null; then export FERRETDB_BACKEND=sqlite; fi
vars=$(FERRETDB_DATA_DIR="$PWD/.services/data" FERRETDB_PG_DATABASE="${FERRETDB_PG_DATABASE:-support_history_local}" bash scripts/test-services.sh start)
if [ -z "${MONGO_URL:-}" ] && ! grep -qs '^MONGO_URL=' .env; then export MONGO_URL=$(echo "$vars" | sed -n 's/^MONGO_URL=//p'); fi
if [ -z "${REDIS_URL:-}" ] && ! grep -qs '^REDIS_URL=' .env; then export REDIS_URL=$(echo "$vars" | sed -n 's/^REDIS_URL=//p'); fi
trap 'bash scripts/test-services.sh stop' EXIT
npx tsx bin/cli.ts start
