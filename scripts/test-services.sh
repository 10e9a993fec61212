#!/usr/bin/env bash
# Starts what the tests need on loopback: FerretDB 1.24 (telemetry off) and Redis (started only when nothing
# answers on REDIS_URL's port).
#
# FerretDB's storage backend: PostgreSQL when a PostgreSQL server answers (FERRETDB_POSTGRESQL_URL, default
# postgres://postgres@127.0.0.1:5432/postgres), SQLite otherwise; FERRETDB_BACKEND=postgresql|sqlite forces one.
# Why PostgreSQL first: FerretDB 1.24 answers every `_id` read on SQLite by scanning the collection's table (its
# index and its query use different JSON expressions, see the README's Design notes), so a read costs the bytes
# stored in the collection: 185 ms in a 50,000-document collection here. On PostgreSQL the tests get a database
# of their own with one addition to FerretDB's tables: the GIN index on `_jsonb->'_id'` that FerretDB's `find`
# filter (`_jsonb->$1 @> $2`) can use (FerretDB issue #4646), made by an event trigger as FerretDB creates each
# table; the same read then takes 2–3 ms whatever the size. The product itself only speaks the MongoDB protocol.
#
#   scripts/test-services.sh start          # prints MONGO_URL=… and REDIS_URL=… lines (and STARTED=1)
#   scripts/test-services.sh stop
#   scripts/test-services.sh build          # only build/locate FerretDB
#   scripts/test-services.sh backend        # prints the backend `start` would use
#   scripts/test-services.sh pg-create NAME # a PostgreSQL database for FerretDB, with the index triggers; prints its URL
#   scripts/test-services.sh pg-drop NAME
set -euo pipefail
cd "$(dirname "$0")/.."
STATE="${SERVICES_STATE:-.services}"   # pid files and logs of what `start` started
PORT="${FERRETDB_PORT:-27027}"
REDIS_PORT="${TEST_REDIS_PORT:-6379}"
PG_URL="${FERRETDB_POSTGRESQL_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

wait_port() { # host port seconds
  local deadline=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

backend() {
  case "${FERRETDB_BACKEND:-auto}" in
    postgresql|sqlite) echo "$FERRETDB_BACKEND" ;;
    auto)
      if command -v psql >/dev/null && psql "$PG_URL" -XtAqc 'select 1' >/dev/null 2>&1; then echo postgresql; else echo sqlite; fi ;;
    *) echo "test-services: FERRETDB_BACKEND must be postgresql or sqlite (got \"$FERRETDB_BACKEND\")" >&2; exit 2 ;;
  esac
}

# The URL of database $1 on the server of PG_URL (same user, host and options).
pg_db_url() { echo "$PG_URL" | sed -E "s#^(postgres(ql)?://[^/]*)/[^?]*#\1/$1#"; }

pg_create() { # name
  [[ "$1" =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "test-services: bad database name \"$1\"" >&2; exit 2; }
  if [ -z "$(psql "$PG_URL" -XqAt -v ON_ERROR_STOP=1 -c "select 1 from pg_database where datname = '$1'")" ]; then
    psql "$PG_URL" -Xq -v ON_ERROR_STOP=1 -c "create database \"$1\""
  fi
  # plan_cache_mode: FerretDB prepares each query once per connection; a generic plan chosen while a table was
  # still empty would go on scanning it once it has grown, whereas a custom plan sees the `_id` and uses the index.
  # fastupdate off: a GIN index's pending list is scanned by every read until it is merged.
  # synchronous_commit off: a commit does not wait for its WAL flush (the same trade-off as SQLite's
  # synchronous(normal) below: a server crash loses nothing committed, a power cut may lose the last moments).
  psql "$(pg_db_url "$1")" -Xq -v ON_ERROR_STOP=1 <<SQL
set client_min_messages = warning;
alter database "$1" set plan_cache_mode = force_custom_plan;
alter database "$1" set synchronous_commit = off;
create or replace function support_history_ferretdb_id_index() returns event_trigger language plpgsql as \$fn\$
declare r record;
begin
  for r in select * from pg_event_trigger_ddl_commands() where command_tag = 'CREATE TABLE' loop
    if exists (select 1 from pg_attribute where attrelid = r.objid and attname = '_jsonb' and not attisdropped) then
      execute format('create index on %s using gin ((_jsonb->''_id'') jsonb_path_ops) with (fastupdate = off)', r.object_identity);
    end if;
  end loop;
end \$fn\$;
drop event trigger if exists support_history_ferretdb_id_index;
create event trigger support_history_ferretdb_id_index on ddl_command_end when tag in ('CREATE TABLE')
  execute function support_history_ferretdb_id_index();
-- Every index the schemas declare (FerretDB makes each a btree on \`(_jsonb -> 'field')\` per key) gets a GIN twin
-- per key: FerretDB pushes an equality on a field down as \`_jsonb->'field' @> value\`, which only a GIN index on
-- that expression serves (a btree does not). Measured on 30,000 documents: {cust: X} 32 ms as a scan, 3.3 ms with
-- the twin; the twins' cost on insertMany was within the run-to-run noise.
create or replace function support_history_ferretdb_gin_twins(idx oid) returns void language plpgsql as \$fn\$
declare tbl oid; n int; expr text;
begin
  select i.indrelid, i.indnatts into tbl, n from pg_index i join pg_class c on c.oid = i.indexrelid
    join pg_am a on a.oid = c.relam where i.indexrelid = idx and a.amname = 'btree';
  if tbl is null then return; end if;
  for k in 1..n loop
    expr := pg_get_indexdef(idx, k, true);
    continue when expr !~ '^\(_jsonb -> ''[^'']+''::text\)\$';
    if not exists (select 1 from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam
                   where i.indrelid = tbl and a.amname = 'gin' and pg_get_indexdef(i.indexrelid, 1, true) = expr) then
      execute format('create index on %s using gin (%s jsonb_path_ops) with (fastupdate = off)', tbl::regclass, expr);
    end if;
  end loop;
end \$fn\$;
create or replace function support_history_ferretdb_index_twins() returns event_trigger language plpgsql as \$fn\$
declare r record;
begin
  for r in select * from pg_event_trigger_ddl_commands() where command_tag = 'CREATE INDEX' loop
    perform support_history_ferretdb_gin_twins(r.objid);
  end loop;
end \$fn\$;
drop event trigger if exists support_history_ferretdb_index_twins;
create event trigger support_history_ferretdb_index_twins on ddl_command_end when tag in ('CREATE INDEX')
  execute function support_history_ferretdb_index_twins();
-- A database kept from an earlier run (start:local) gets the twins of the indexes it already has.
do \$do\$ begin
  perform support_history_ferretdb_gin_twins(i.indexrelid) from pg_index i join pg_class t on t.oid = i.indrelid
    join pg_attribute a on a.attrelid = t.oid and a.attname = '_jsonb' and not a.attisdropped;
end \$do\$;
SQL
  # pool_max_conns: FerretDB opens up to 50 PostgreSQL connections by default, and PostgreSQL allows 100 in all
  # (as on CI's machine), shared by this server and the servers fault tests start of their own. 30 each keeps three
  # within it, and stays above the 20 commands one process of the product puts in flight (src/db/connection.ts:
  # past its pool, a FerretDB with every connection held by a command waiting for a second one stops answering).
  local url; url=$(pg_db_url "$1")
  if [[ "$url" == *\?* ]]; then echo "$url&pool_max_conns=30"; else echo "$url?pool_max_conns=30"; fi
}

pg_drop() { # name
  psql "$PG_URL" -Xq -c "drop database if exists \"$1\" with (force)" >/dev/null 2>&1 || true
}

start() {
  mkdir -p "$STATE"
  local bin; bin=$(bash scripts/ferretdb.sh)
  if [ -f "$STATE/ferretdb.pid" ] && kill -0 "$(cat "$STATE/ferretdb.pid")" 2>/dev/null; then
    echo "test-services: FerretDB already running (pid $(cat "$STATE/ferretdb.pid"))" >&2
  else
    local be; be=$(backend)
    local data storage
    if [ -n "${FERRETDB_DATA_DIR:-}" ]; then
      data="$FERRETDB_DATA_DIR"; mkdir -p "$data"   # kept: `stop` leaves it in place
    else
      data=$(mktemp -d -t ferretdb-XXXXXX)
      echo "$data" > "$STATE/ferretdb.dir"          # temporary: `stop` removes it
    fi
    if [ "$be" = postgresql ]; then
      local db
      if [ -n "${FERRETDB_PG_DATABASE:-}" ]; then
        db="$FERRETDB_PG_DATABASE"                  # kept: `stop` leaves it in place
      else
        db="support_history_test_$(date +%s)_$$"
        echo "$db" > "$STATE/ferretdb.pgdb"         # temporary: `stop` drops it
      fi
      storage=(--handler=postgresql "--postgresql-url=$(pg_create "$db")")
    else
      # synchronous(normal): SQLite's recommended setting in WAL mode (FerretDB keeps its other defaults). A commit
      # no longer waits for an fsync, which made every single-document write 5–10× slower (≈30 ms vs ≈3 ms here);
      # an application crash loses nothing, a power cut may lose the last moments — the usual WAL trade-off.
      storage=(--handler=sqlite "--sqlite-url=file:$data/?_pragma=synchronous(normal)")
    fi
    "$bin" "${storage[@]}" --state-dir="$data" \
      --listen-addr="127.0.0.1:$PORT" --debug-addr=- --telemetry=disable --log-level=warn \
      > "$STATE/ferretdb.log" 2>&1 &
    echo $! > "$STATE/ferretdb.pid"
    if ! wait_port 127.0.0.1 "$PORT" 30; then
      echo "test-services: FerretDB did not start; its log:" >&2; cat "$STATE/ferretdb.log" >&2; exit 1
    fi
    echo "$be" > "$STATE/ferretdb.backend"
    echo "test-services: FerretDB 1.24 ($be backend) on 127.0.0.1:$PORT" >&2
    echo "STARTED=1"
  fi
  if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    command -v redis-server >/dev/null || { echo "test-services: no Redis on port $REDIS_PORT and no redis-server to start" >&2; exit 1; }
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
      --logfile "$PWD/$STATE/redis.log" --pidfile "$PWD/$STATE/redis.pid"
    wait_port 127.0.0.1 "$REDIS_PORT" 10 || { echo "test-services: Redis did not start" >&2; exit 1; }
    touch "$STATE/redis.started"
  fi
  echo "FERRETDB_BACKEND=$(cat "$STATE/ferretdb.backend" 2>/dev/null || echo unknown)"
  echo "MONGO_URL=mongodb://127.0.0.1:$PORT/support-history"
  echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
}

stop() {
  if [ -f "$STATE/ferretdb.pid" ]; then
    local pid; pid=$(cat "$STATE/ferretdb.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$STATE/ferretdb.pid" "$STATE/ferretdb.backend"
  fi
  if [ -f "$STATE/ferretdb.dir" ]; then rm -rf "$(cat "$STATE/ferretdb.dir")"; rm -f "$STATE/ferretdb.dir"; fi
  if [ -f "$STATE/ferretdb.pgdb" ]; then pg_drop "$(cat "$STATE/ferretdb.pgdb")"; rm -f "$STATE/ferretdb.pgdb"; fi
  if [ -f "$STATE/redis.started" ] && [ -f "$STATE/redis.pid" ]; then
    kill "$(cat "$STATE/redis.pid")" 2>/dev/null || true
    rm -f "$STATE/redis.started" "$STATE/redis.pid"
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  build) bash scripts/ferretdb.sh ;;
  backend) backend ;;
  pg-create) pg_create "${2:?database name}" ;;
  pg-drop) pg_drop "${2:?database name}" ;;
  *) echo "usage: $0 start|stop|build|backend|pg-create NAME|pg-drop NAME" >&2; exit 2 ;;
esac
