#!/usr/bin/env bash
# Case view and "my deadlines" latency (issue 4: "case view and my deadlines page with 100,000
# cases and 1,000,000 audit rows on both backends: p99 < 50 ms"), the approach of
# bench/identification/run.sh: a release build serving the demo data set plus a synthetic
# protection data set (hidden `ally demo --bench-cases N --bench-audit-rows M`: N cases of the
# demo NGO spread over caseworker@ngo.demo and 99 synthetic colleagues, each with a service,
# a plan task and its deadline, an opening event; M audit events on a valid chain), a signed-in
# caseworker (password and one-time code over curl), then wrk with a fixed number of
# connections against:
#   - case:      GET /cases/{id}, per request a random one of 10,000 case ids spread over all
#                of the NGO's cases (bench/protection/cases.lua over bench/web/wrk.lua);
#   - deadlines: GET /deadlines (the caseworker's share: N/100 cases).
# Each response is checked (200, else counted as unexpected) by bench/web/wrk.lua.
#
# One command:   bench/protection/run.sh     (results: docs/benchmarks.md, protection section)
# A smoke run:   CASES=1000 AUDIT_ROWS=10000 DURATION=3s BUILD=0 \
#                ALLY_BIN=target/debug/ally bench/protection/run.sh
#
# Needs: a release build (built here unless BUILD=0), wrk, curl, and for postgres a
# PostgreSQL at 127.0.0.1:5432 (user postgres, trust). Every server started here is stopped at
# exit by its PID. Nothing asserts a time: it measures and prints p50/p99.
#
# Knobs: ALLY_BIN, BUILD=1, BENCH_DIR=/tmp/ally-bench-protection, BACKENDS="sqlite postgres",
# CASES=100000, AUDIT_ROWS=1000000, DURATION=10s, THREADS=2, CONNS=8,
# PG_BASE=postgres://postgres@127.0.0.1:5432, PG_DB=ally_bench_prot.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
ALLY_BIN=${ALLY_BIN:-$TARGET_DIR/release/ally}
BUILD=${BUILD:-1}
WORK=${BENCH_DIR:-/tmp/ally-bench-protection}
BACKENDS=${BACKENDS:-"sqlite postgres"}
CASES=${CASES:-100000}
AUDIT_ROWS=${AUDIT_ROWS:-1000000}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-8}
PG_BASE=${PG_BASE:-postgres://postgres@127.0.0.1:5432}
PG_DB=${PG_DB:-ally_bench_prot}
ADDR=127.0.0.1:18092
EMAIL=caseworker@ngo.demo
PASSWORD=demo-password-2026
CASES_LUA=$HERE/cases.lua

# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

if [ "$BUILD" = 1 ]; then
    log "building (release)"
    (cd "$ROOT" && cargo build --release -p ally --bin ally)
fi
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }

machine_line "cases=$CASES audit_rows=$AUDIT_ROWS"

for backend in $BACKENDS; do
    dir=$WORK/data-$backend
    rm -rf "$dir" "$dir.key"
    url=""
    if [ "$backend" = postgres ]; then
        url=$PG_BASE/$PG_DB
        psql -h 127.0.0.1 -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
            -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB" >/dev/null
    fi
    paths=$WORK/paths-$backend.txt
    log "seeding the demo, $CASES cases and $AUDIT_ROWS audit rows ($backend)"
    ALLY_DATABASE_URL=$url "$ALLY_BIN" demo --data-dir "$dir" --listen "$ADDR" --no-serve \
        --bench-cases "$CASES" --bench-audit-rows "$AUDIT_ROWS" --bench-paths-out "$paths" \
        >"$WORK/logs/seed-$backend.log" 2>&1
    record "SEED backend=$backend $(grep '^Seeded' "$WORK/logs/seed-$backend.log")"
    [ -s "$paths" ] || { log "no bench case paths written"; exit 1; }
    # After a bulk load PostgreSQL plans from empty statistics until autovacuum analyses the
    # tables (within a minute or so in a running deployment); analyse at once, as after a restore.
    if [ "$backend" = postgres ]; then
        psql -h 127.0.0.1 -U postgres -d "$PG_DB" -qc "ANALYZE" >/dev/null
    fi
    args=(serve --data-dir "$dir" --listen "$ADDR")
    [ -n "$url" ] && args+=(--database-url "$url")
    "$ALLY_BIN" "${args[@]}" >"$WORK/logs/serve-$backend.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait_200 "http://$ADDR/readyz"
    base=http://$ADDR
    session=$(signin "$base")
    cookie="Cookie: ally_session=$session"
    first=$(head -1 "$paths")
    for p in "$first" /deadlines; do
        s=$(curl -s -o /dev/null -w '%{http_code}' -H "$cookie" "$base$p")
        [ "$s" = 200 ] || { log "$p answered $s"; exit 1; }
    done
    # Warm up.
    WRK_BASE_LUA=$WRK_LUA WRK_PATHS=$paths \
        wrk -t"$THREADS" -c"$CONNS" -d2s -s "$CASES_LUA" -H "$cookie" "$base/" >/dev/null
    WRK_BASE_LUA=$WRK_LUA WRK_PATHS=$paths WRK_SCRIPT=$CASES_LUA wrk_run "$backend-case" "$pid" "$base/" -H "$cookie"
    wrk_run "$backend-deadlines" "$pid" "$base/deadlines" -H "$cookie"
    kill "$pid"; wait "$pid" 2>/dev/null || true
done
log "results in $RESULTS"
grep '^WRK' "$RESULTS" | sed 's/.*case=\([^ ]*\).*p50_ms=\([^ ]*\).*p99_ms=\([^ ]*\).*unexpected=\([0-9]*\).*/\1: p50 \2 ms, p99 \3 ms, unexpected \4/' >&2
