#!/usr/bin/env bash
# Web performance of the foundation (issue text: "With 100,000 demo persons: requests/s and
# p50/p99 latency of the authenticated person list and person view pages and of person
# creation, on SQLite and on PostgreSQL ... side by side in the same run with a bare axum
# hello handler as the ceiling"), plus start-to-ready, idle memory and binary size.
#
# One command:   bench/web/run.sh            (results: docs/benchmarks.md, issue 2 section, explains them)
#
# Needs: a release build (built here unless BUILD=0), wrk (apt-get install -y wrk), python3,
# curl, psql and a PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth) for the PostgreSQL
# half (BACKENDS=sqlite skips it). All traffic stays on 127.0.0.1. Every server this script
# starts is stopped at exit (by its PID). Nothing here asserts a time: it measures and prints.
#
# Knobs (environment): ALLY_BIN, HELLO_BIN, OPENLOOP_BIN, FLOOR_BIN (default target/release/...), BUILD=1,
# BENCH_DIR=/tmp/ally-bench-web (data dirs, logs, raw results), PERSONS=100000,
# BACKENDS="sqlite postgres", DURATION=10s, THREADS=2, CONNS=32, LOW_CONNS=4, READY_RUNS=5,
# PG_BASE=postgres://postgres@127.0.0.1:5432, PG_DB=ally_bench, REUSE=0 (1: keep a data set
# seeded by an earlier run instead of seeding anew; creation runs add persons to it),
# COMMIT (recorded commit; default: HEAD of this work tree, wrong if the binaries come from
# elsewhere).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
ALLY_BIN=${ALLY_BIN:-$TARGET_DIR/release/ally}
HELLO_BIN=${HELLO_BIN:-$TARGET_DIR/release/examples/hello}
OPENLOOP_BIN=${OPENLOOP_BIN:-$TARGET_DIR/release/examples/openloop}
FLOOR_BIN=${FLOOR_BIN:-$TARGET_DIR/release/examples/floor}
BUILD=${BUILD:-1}
WORK=${BENCH_DIR:-/tmp/ally-bench-web}
PERSONS=${PERSONS:-100000}
BACKENDS=${BACKENDS:-"sqlite postgres"}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
LOW_CONNS=${LOW_CONNS:-4}
READY_RUNS=${READY_RUNS:-5}
PG_BASE=${PG_BASE:-postgres://postgres@127.0.0.1:5432}
PG_DB=${PG_DB:-ally_bench}
REUSE=${REUSE:-0}

HELLO_ADDR=127.0.0.1:18090
FLOOR_ADDR=127.0.0.1:18091
ALLY_ADDR=127.0.0.1:18081
READY_ADDR=127.0.0.1:18083
EMAIL=caseworker@ngo.demo
PASSWORD=demo-password-2026

# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

stop() {
    local pid=$1
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

pg_recreate() {
    psql -h 127.0.0.1 -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
        -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
}

db_url() { # backend -> database URL ("" = SQLite in the data dir)
    if [ "$1" = postgres ]; then echo "$PG_BASE/$PG_DB"; else echo ""; fi
}

# ---------------------------------------------------------------- build, machine, sizes
if [ "$BUILD" = 1 ]; then
    log "building (release)"
    (cd "$ROOT" && cargo build --release -p ally --bin ally --example hello --example openloop --example floor)
fi
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }

machine_line
record "TOOLS wrk=\"$(wrk -v 2>&1 | head -1)\" rustc=\"$(rustc --version 2>/dev/null || echo unknown)\" postgres=\"$(psql -h 127.0.0.1 -U postgres -d postgres -Atc 'show server_version' 2>/dev/null || echo none)\""
log "busiest processes at start:"
ps -eo pcpu=,comm= --sort=-pcpu | head -5 | tee -a "$WORK/logs/busy.txt" >&2

strip -o "$WORK/ally.stripped" "$ALLY_BIN"
record "BINARY ally_bytes=$(stat -c %s "$ALLY_BIN") ally_stripped_bytes=$(stat -c %s "$WORK/ally.stripped") hello_bytes=$(stat -c %s "$HELLO_BIN")"

# ---------------------------------------------------------------- start to ready (empty)
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for backend in $BACKENDS; do
    times=()
    for i in $(seq 1 "$READY_RUNS"); do
        dir=$WORK/empty-$backend
        rm -rf "$dir" "$dir.key"
        args=(serve --data-dir "$dir" --listen "$READY_ADDR")
        if [ "$backend" = postgres ]; then
            pg_recreate "${PG_DB}_empty"
            args+=(--database-url "$PG_BASE/${PG_DB}_empty")
        fi
        t0=$(now_ns)
        "$ALLY_BIN" "${args[@]}" >"$WORK/logs/ready-$backend-$i.log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        wait_200 "http://$READY_ADDR/readyz"
        t1=$(now_ns)
        times+=($(((t1 - t0) / 1000000)))
        if [ "$i" = 1 ]; then
            sleep 2
            record "IDLE_RSS backend=$backend data=empty when=after_start rss_kib=$(rss_kib "$pid")"
        fi
        stop "$pid"
    done
    record "READY backend=$backend runs_ms=\"${times[*]}\" median_ms=$(printf '%s\n' "${times[@]}" | median)"
done
[ -n "$(echo "$BACKENDS" | grep postgres)" ] && psql -h 127.0.0.1 -U postgres -d postgres -q \
    -c "DROP DATABASE IF EXISTS ${PG_DB}_empty WITH (FORCE)" >/dev/null || true

# ---------------------------------------------------------------- the ceiling
"$HELLO_BIN" "$HELLO_ADDR" >"$WORK/logs/hello.log" 2>&1 &
HELLO_PID=$!
PIDS+=("$HELLO_PID")
wait_200 "http://$HELLO_ADDR/"

# ---------------------------------------------------------------- per backend
for backend in $BACKENDS; do
    dir=$WORK/data-$backend
    url=$(db_url "$backend")
    marker=$dir/.bench-seeded-$PERSONS
    if [ "$REUSE" != 1 ] || [ ! -e "$marker" ]; then
        log "seeding $backend with $PERSONS persons"
        rm -rf "$dir" "$dir.key"
        [ "$backend" = postgres ] && pg_recreate "$PG_DB"
        t0=$(now_ns)
        ALLY_DATABASE_URL=$url "$ALLY_BIN" demo --data-dir "$dir" --listen "$ALLY_ADDR" \
            --persons "$PERSONS" --no-serve >"$WORK/logs/seed-$backend.log" 2>&1
        t1=$(now_ns)
        touch "$marker"
        # The bulk load leaves about a gigabyte of WAL behind: PostgreSQL's checkpoint of it
        # would otherwise start during the measurement (max_wal_size) and stall commits,
        # the audit writer's among them, behind its writes. pgbench checkpoints likewise.
        # Likewise autovacuum of the freshly loaded tables (run 11's first PostgreSQL half-load
        # p99, 30 ms, came minutes after seeding; 6 ms on a rerun): vacuumed first, as pgbench does.
        if [ "$backend" = postgres ]; then
            psql -h 127.0.0.1 -U postgres -d "$PG_DB" -qc "VACUUM ANALYZE" -c CHECKPOINT
        fi
        record "SEED backend=$backend persons=$PERSONS seconds=$(((t1 - t0) / 1000000000))"
    fi
    [ "$backend" = sqlite ] && record "DBSIZE backend=sqlite bytes=$(du -cb "$dir"/*.db* 2>/dev/null | tail -1 | cut -f1)"
    [ "$backend" = postgres ] && record "DBSIZE backend=postgres bytes=$(psql -h 127.0.0.1 -U postgres -d postgres -Atc "select pg_database_size('$PG_DB')")"

    args=(serve --data-dir "$dir" --listen "$ALLY_ADDR")
    [ -n "$url" ] && args+=(--database-url "$url")
    t0=$(now_ns)
    "$ALLY_BIN" "${args[@]}" >"$WORK/logs/serve-$backend.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait_200 "http://$ALLY_ADDR/readyz"
    t1=$(now_ns)
    record "READY backend=$backend data=${PERSONS}_persons ms=$(((t1 - t0) / 1000000))"
    sleep 2
    record "IDLE_RSS backend=$backend data=${PERSONS}_persons when=after_start rss_kib=$(rss_kib "$pid")"

    base=http://$ALLY_ADDR
    session=$(signin "$base")
    cookie="Cookie: ally_session=$session"
    page=$(curl -s -H "$cookie" "$base/persons")
    person=$(echo "$page" | grep -o 'href="/persons/[0-9a-f-]\{36\}"' | head -1 | sed 's/href="//; s/"$//')
    csrf=$(curl -s -H "$cookie" "$base/persons/new" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
    [ -n "$person" ] && [ -n "$csrf" ] || { log "could not find a person or the CSRF token"; exit 1; }
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "$cookie" "$base$person")" = 200 ] || { log "person view is not 200"; exit 1; }
    token=$(ALLY_DATABASE_URL=$url "$ALLY_BIN" token create --data-dir "$dir" --user "$EMAIL" --name "bench $(date +%s)" 2>/dev/null | tail -1)
    api="$base/api/v1${person}"
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$api")" = 200 ] || { log "API person view is not 200"; exit 1; }
    log "$backend: session ok, person $person"

    # Warm-up (discarded): page cache, connection pool, prepared statements.
    wrk -t"$THREADS" -c"$CONNS" -d3s -H "$cookie" "$base$person" >/dev/null

    # The ceiling, measured again next to each backend (same machine state).
    wrk_run "$backend-hello" "$HELLO_PID" "http://$HELLO_ADDR/"
    # Where the time goes: the same stack without the database (/healthz), with one query
    # (/dashboard: the session lookup only, nothing audited), then the pages themselves.
    wrk_run "$backend-healthz" "$pid" "$base/healthz"
    wrk_run "$backend-dashboard" "$pid" "$base/dashboard" -H "$cookie"
    wrk_run "$backend-list" "$pid" "$base/persons" -H "$cookie"
    wrk_run "$backend-view" "$pid" "$base$person" -H "$cookie"
    view_rps=$(grep "case=$backend-view " "$RESULTS" | tail -1 | sed 's/.*rps=\([0-9.]*\).*/\1/')
    wrk_run "$backend-apiview" "$pid" "$api" -H "Authorization: Bearer $token"

    # Half the measured person-view throughput: (1) open loop at a constant rate, latency from
    # the intended send time; (2) closed loop with few connections (for comparison with wrk).
    half=$(awk -v r="$view_rps" 'BEGIN{printf "%d", r/2}')
    c0=$(cpu_ticks "$pid")
    ol=$("$OPENLOOP_BIN" --url "$base$person" --rate "$half" --duration 10 --warmup 1 \
        --conns "$CONNS" --header "$cookie")
    c1=$(cpu_ticks "$pid")
    record "HALF case=$backend-view-openloop target_rps=$half ${ol#OPENLOOP } server_cpu_s=$(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.1f", (b-a)/hz}') load=\"$(loadavg)\""
    # Calibration: the same client at the same rate against the bare hello server. Its p99 is
    # the floor this client and this machine (its load) can show at all.
    ol=$("$OPENLOOP_BIN" --url "http://$HELLO_ADDR/" --rate "$half" --duration 10 --warmup 1 --conns "$CONNS")
    record "HALF case=$backend-hello-openloop target_rps=$half ${ol#OPENLOOP } load=\"$(loadavg)\""
    saved=$CONNS
    CONNS=$LOW_CONNS wrk_run "$backend-view-lowconc" "$pid" "$base$person" -H "$cookie"
    CONNS=$saved

    WRK_CREATE=1 WRK_CSRF=$csrf wrk_run "$backend-create" "$pid" "$base/persons" -H "$cookie"

    sleep 5
    record "IDLE_RSS backend=$backend data=${PERSONS}_persons when=after_load rss_kib=$(rss_kib "$pid")"
    stop "$pid"

    # The floor: hello plus one point read of the same person's row, nothing else
    # (examples/floor.rs), on the same database, next to the ceiling again.
    floor_url=$url
    [ -z "$floor_url" ] && floor_url="sqlite://$dir/ally.db"
    "$FLOOR_BIN" "$FLOOR_ADDR" "$floor_url" >"$WORK/logs/floor-$backend.log" 2>&1 &
    fpid=$!
    PIDS+=("$fpid")
    wait_200 "http://$FLOOR_ADDR$person"
    wrk -t"$THREADS" -c"$CONNS" -d3s "http://$FLOOR_ADDR$person" >/dev/null
    wrk_run "$backend-floor" "$fpid" "http://$FLOOR_ADDR$person"
    wrk_run "$backend-hello-again" "$HELLO_PID" "http://$HELLO_ADDR/"
    stop "$fpid"
done

stop "$HELLO_PID"

# ---------------------------------------------------------------- summary
log "raw results in $RESULTS"
awk '
/^WRK / {
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "| %-24s | %8s | %7s | %7s | %8s | %6s |\n", v["case"], v["rps"], v["p50_ms"], v["p99_ms"], v["server_cpu_us_per_req"], v["non2xx3xx"] + v["unexpected"] + v["sockerr"]
}' "$RESULTS" | sed '1i | case | req/s | p50 ms | p99 ms | server CPU µs/req | failed |\n|---|---|---|---|---|---|'
