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
WRK_LUA=$ROOT/bench/web/wrk.lua

mkdir -p "$WORK/logs"
RESULTS=$WORK/results.txt
: >"$RESULTS"
export ALLY_LOG=${ALLY_LOG:-warn}

PIDS=()
cleanup() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
record() { echo "$*" | tee -a "$RESULTS"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

wait_200() {
    local url=$1 i
    for i in $(seq 1 3000); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$url" 2>/dev/null)" = 200 ] && return 0
        sleep 0.01
    done
    log "timeout waiting for $url"
    return 1
}

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

record "MACHINE date=$(date -u +%Y-%m-%dT%H:%M:%SZ) commit=${COMMIT:-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)} nproc=$(nproc) cpu=\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')\" load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""

signin() { # BASE -> prints the full session token
    local base=$1 jar=$WORK/cookies.txt attempt csrf code status
    for attempt in 1 2 3; do
        rm -f "$jar"
        status=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" \
            --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" "$base/sign-in")
        [ "$status" = 303 ] || { log "sign-in answered $status"; return 1; }
        csrf=$(curl -s -b "$jar" "$base/sign-in/code" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
        code=$("$ALLY_BIN" demo-code)
        status=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" \
            --data-urlencode "csrf=$csrf" --data-urlencode "code=$code" "$base/sign-in/code")
        if [ "$status" = 303 ]; then
            awk '$6 == "ally_session" {print $7}' "$jar" | tail -1
            return 0
        fi
        log "code step answered $status (attempt $attempt); waiting for the next code"
        sleep $((31 - $(date +%s) % 30))
    done
    return 1
}

wrk_run() { # LABEL PID URL COOKIE
    local label=$1 pid=$2 url=$3 cookie=$4 c0 c1 out line n
    c0=$(cpu_ticks "$pid")
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$WRK_LUA" -H "$cookie" "$url")
    c1=$(cpu_ticks "$pid")
    echo "$out" >"$WORK/logs/wrk-$label.txt"
    line=$(echo "$out" | grep '^WRKRESULT' | sed 's/^WRKRESULT //')
    n=$(echo "$line" | sed 's/.*\bn=\([0-9]*\).*/\1/')
    record "WRK case=$label conns=$CONNS $line server_cpu_us_per_req=$(awk -v a="$c0" -v b="$c1" -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.0f", (b-a)/hz*1e6/(n>0?n:1)}') load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
}

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
    wrk_run "$backend-question" "$pid" "$base$question" "$cookie"
    wrk_run "$backend-result" "$pid" "$base$result" "$cookie"
    wrk_run "$backend-list" "$pid" "$base/interviews" "$cookie"
    kill "$pid"; wait "$pid" 2>/dev/null || true
done
log "results in $RESULTS"
