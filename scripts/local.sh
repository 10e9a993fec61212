#!/usr/bin/env bash
# Runs the product on this machine with no MongoDB installed: FerretDB (data kept in .services/data) and
# Redis on loopback, then `npm start` (bot + worker). MONGO_URL/REDIS_URL in the environment or .env win.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
export FERRETDB_PORT="${FERRETDB_PORT:-27017}"
vars=$(FERRETDB_DATA_DIR="$PWD/.services/data" bash scripts/test-services.sh start)
if [ -z "${MONGO_URL:-}" ] && ! grep -qs '^MONGO_URL=' .env; then export MONGO_URL=$(echo "$vars" | sed -n 's/^MONGO_URL=//p'); fi
if [ -z "${REDIS_URL:-}" ] && ! grep -qs '^REDIS_URL=' .env; then export REDIS_URL=$(echo "$vars" | sed -n 's/^REDIS_URL=//p'); fi
trap 'bash scripts/test-services.sh stop' EXIT
npx tsx bin/cli.ts start
