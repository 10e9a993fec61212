#!/usr/bin/env bash
# Starts what the tests need on loopback: FerretDB 1.24 (SQLite backend, data in a temporary folder,
# telemetry off) and Redis (started only when nothing answers on REDIS_URL's port).
#
#   scripts/test-services.sh start   # prints MONGO_URL=… and REDIS_URL=… lines
#   scripts/test-services.sh stop
#   scripts/test-services.sh build   # only build/locate FerretDB
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=.services
PORT="${FERRETDB_PORT:-27027}"
REDIS_PORT="${TEST_REDIS_PORT:-6379}"

wait_port() { # host port seconds
  local deadline=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

start() {
  mkdir -p "$STATE"
  local bin; bin=$(bash scripts/ferretdb.sh)
  if [ -f "$STATE/ferretdb.pid" ] && kill -0 "$(cat "$STATE/ferretdb.pid")" 2>/dev/null; then
    echo "test-services: FerretDB already running (pid $(cat "$STATE/ferretdb.pid"))" >&2
  else
    local data
    if [ -n "${FERRETDB_DATA_DIR:-}" ]; then
      data="$FERRETDB_DATA_DIR"; mkdir -p "$data"   # kept: `stop` leaves it in place
    else
      data=$(mktemp -d -t ferretdb-XXXXXX)
      echo "$data" > "$STATE/ferretdb.dir"          # temporary: `stop` removes it
    fi
    # synchronous(normal): SQLite's recommended setting in WAL mode (FerretDB keeps its other defaults). A commit
    # no longer waits for an fsync, which made every single-document write 5–10× slower (≈30 ms vs ≈3 ms here);
    # an application crash loses nothing, a power cut may lose the last moments — the usual WAL trade-off.
    "$bin" --handler=sqlite --sqlite-url="file:$data/?_pragma=synchronous(normal)" --state-dir="$data" \
      --listen-addr="127.0.0.1:$PORT" --debug-addr=- --telemetry=disable --log-level=warn \
      > "$STATE/ferretdb.log" 2>&1 &
    echo $! > "$STATE/ferretdb.pid"
    if ! wait_port 127.0.0.1 "$PORT" 30; then
      echo "test-services: FerretDB did not start; its log:" >&2; cat "$STATE/ferretdb.log" >&2; exit 1
    fi
    echo "STARTED=1"
  fi
  if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    command -v redis-server >/dev/null || { echo "test-services: no Redis on port $REDIS_PORT and no redis-server to start" >&2; exit 1; }
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
      --logfile "$PWD/$STATE/redis.log" --pidfile "$PWD/$STATE/redis.pid"
    wait_port 127.0.0.1 "$REDIS_PORT" 10 || { echo "test-services: Redis did not start" >&2; exit 1; }
    touch "$STATE/redis.started"
  fi
  echo "MONGO_URL=mongodb://127.0.0.1:$PORT/support-history"
  echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
}

stop() {
  if [ -f "$STATE/ferretdb.pid" ]; then
    kill "$(cat "$STATE/ferretdb.pid")" 2>/dev/null || true
    rm -f "$STATE/ferretdb.pid"
  fi
  if [ -f "$STATE/ferretdb.dir" ]; then rm -rf "$(cat "$STATE/ferretdb.dir")"; rm -f "$STATE/ferretdb.dir"; fi
  if [ -f "$STATE/redis.started" ] && [ -f "$STATE/redis.pid" ]; then
    kill "$(cat "$STATE/redis.pid")" 2>/dev/null || true
    rm -f "$STATE/redis.started" "$STATE/redis.pid"
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  build) bash scripts/ferretdb.sh ;;
  *) echo "usage: $0 start|stop|build" >&2; exit 2 ;;
esac
