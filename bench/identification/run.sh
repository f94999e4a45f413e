#!/usr/bin/env bash
# Interview page latency (issue 3: "interview page p99 < 20 ms"), the approach of
# bench/web/run.sh: a release build serving the demo data set, a signed-in interviewer
# (Ines Interviewer: password and one-time code over curl), then wrk with a fixed number of
# connections against the pages of the interview flow:
#   - question: GET /interviews/{id}/question of the demo interview left in progress (the
#     page an interviewer loads at every step: decrypts the answers, applies skip logic,
#     renders both languages and the guidance);
#   - result:   GET /interviews/{id}/result of the demo presumed victim (evaluates every
#     covered indicator set and renders the explanation);
#   - list:     GET /interviews.
# Each response is checked (200, else counted as unexpected) by bench/web/wrk.lua.
#
# One command:   bench/identification/run.sh     (results: docs/benchmarks.md, identification section)
#
# Needs: a release build (built here unless BUILD=0), wrk, curl, and for BACKENDS=postgres a
# PostgreSQL at 127.0.0.1:5432 (user postgres, trust). Every server started here is stopped at
# exit by its PID. Nothing asserts a time: it measures and prints.
#
# Knobs: ALLY_BIN, BUILD=1, BENCH_DIR=/tmp/ally-bench-identification, BACKENDS="sqlite postgres",
# DURATION=10s, THREADS=2, CONNS=8, PG_BASE=postgres://postgres@127.0.0.1:5432,
# PG_DB=ally_bench_ident.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
ALLY_BIN=${ALLY_BIN:-$TARGET_DIR/release/ally}
BUILD=${BUILD:-1}
WORK=${BENCH_DIR:-/tmp/ally-bench-identification}
BACKENDS=${BACKENDS:-"sqlite postgres"}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-8}
PG_BASE=${PG_BASE:-postgres://postgres@127.0.0.1:5432}
PG_DB=${PG_DB:-ally_bench_ident}
ADDR=127.0.0.1:18091
EMAIL=interviewer@ngo.demo
PASSWORD=demo-password-2026

# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

if [ "$BUILD" = 1 ]; then
    log "building (release)"
    (cd "$ROOT" && cargo build --release -p ally --bin ally)
fi
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }
for backend in $BACKENDS; do
    case $backend in
    sqlite) ;;
    postgres)
        command -v psql >/dev/null || { echo "psql missing (BACKENDS has postgres)" >&2; exit 1; }
        psql "$PG_BASE/postgres" -Atqc 'select 1' >/dev/null 2>&1 ||
            { echo "no PostgreSQL at $PG_BASE (BACKENDS has postgres; BACKENDS=sqlite skips it)" >&2; exit 1; }
        ;;
    *) echo "unknown backend $backend (sqlite, postgres)" >&2; exit 1 ;;
    esac
done

machine_line

for backend in $BACKENDS; do
    dir=$WORK/data-$backend
    rm -rf "$dir" "$dir.key"
    url=""
    if [ "$backend" = postgres ]; then
        url=$PG_BASE/$PG_DB
        PGOPTIONS=--client-min-messages=warning psql "$PG_BASE/postgres" -q -v ON_ERROR_STOP=1 \
            -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB" >/dev/null
    fi
    log "seeding the demo ($backend)"
    ALLY_DATABASE_URL=$url "$ALLY_BIN" demo --data-dir "$dir" --listen "$ADDR" --no-serve \
        >"$WORK/logs/seed-$backend.log" 2>&1
    args=(serve --data-dir "$dir" --listen "$ADDR")
    [ -n "$url" ] && args+=(--database-url "$url")
    "$ALLY_BIN" "${args[@]}" >"$WORK/logs/serve-$backend.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait_200 "http://$ADDR/readyz"
    record "BACKEND $backend database=\"${url:-sqlite in $dir}\" load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
    base=http://$ADDR
    session=$(signin "$base")
    cookie="Cookie: ally_session=$session"
    list=$(curl -s -H "$cookie" "$base/interviews")
    question=$(echo "$list" | grep -o 'href="/interviews/[0-9a-f-]\{36\}/question"' | head -1 | sed 's/href="//; s/"$//')
    presumed=$(echo "$list" | grep -o 'href="/interviews/[0-9a-f-]\{36\}"' | tail -1 | sed 's/href="//; s/"$//')
    [ -n "$question" ] && [ -n "$presumed" ] || { log "demo interviews not found"; exit 1; }
    result=$presumed/result
    for p in "$question" "$result" /interviews; do
        s=$(curl -s -o /dev/null -w '%{http_code}' -H "$cookie" "$base$p")
        [ "$s" = 200 ] || { log "$p answered $s"; exit 1; }
    done
    # Warm up.
    wrk -t"$THREADS" -c"$CONNS" -d2s -H "$cookie" "$base$question" >/dev/null
    wrk_run "$backend-question" "$pid" "$base$question" -H "$cookie"
    wrk_run "$backend-result" "$pid" "$base$result" -H "$cookie"
    wrk_run "$backend-list" "$pid" "$base/interviews" -H "$cookie"
    kill "$pid"; wait "$pid" 2>/dev/null || true
done
log "results in $RESULTS"
