#!/usr/bin/env bash
# A/B and profiling harness for one SQLite page under load (issue 2). Not the benchmark of
# record (that is run.sh): it restores the same seeded data directory before each run (the
# audit log grows by about a million rows per minute of load, which skews repeated runs),
# loads one page with wrk, then measures the bare hello server in the same minute, and prints
#   RATIO view=REQ/S hello=REQ/S pct=SHARE cpu_us=SERVER_CPU/REQ audit_us=AUDIT_THREAD_CPU/REQ
# This host's speed drifts by ±10 % between runs: compare interleaved runs, several times.
#
# Environment: PAGE (a path; default the first person's view), DUR=12 (seconds of load),
# PERF=0|record|stat (perf record with CG call-graph options, default "-g", at FREQ=1999 Hz into
# $WORK/perf.data; or syscall and context-switch counts), PERSONS=100000, BENCH_DIR, ALLY_BIN,
# HELLO_BIN (default: the release build under CARGO_TARGET_DIR or target/).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
ALLY_BIN=${ALLY_BIN:-$TARGET_DIR/release/ally}
HELLO_BIN=${HELLO_BIN:-$TARGET_DIR/release/examples/hello}
WORK=${BENCH_DIR:-/tmp/ally-profile}
PERSONS=${PERSONS:-100000}
DUR=${DUR:-12}
PERF=${PERF:-0}
THREADS=2
CONNS=${CONNS:-32}
EMAIL=caseworker@ngo.demo
PASSWORD=demo-password-2026
ADDR=127.0.0.1:18080
HELLO_ADDR=127.0.0.1:18090
source "$ROOT/bench/lib.sh"

seed=$WORK/seed
if [ ! -e "$seed/.seeded-$PERSONS" ]; then
    log "seeding $PERSONS persons once into $seed"
    rm -rf "$seed" "$seed.key"
    "$ALLY_BIN" demo --data-dir "$seed" --listen "$ADDR" --persons "$PERSONS" --no-serve \
        >"$WORK/logs/seed.log" 2>&1
    touch "$seed/.seeded-$PERSONS"
fi
dir=$WORK/data
rm -rf "$dir" "$dir.key"
cp -a "$seed" "$dir"
cp -a "$seed.key" "$dir.key"

"$ALLY_BIN" serve --data-dir "$dir" --listen "$ADDR" >"$WORK/logs/serve.log" 2>&1 &
pid=$!
PIDS+=("$pid")
wait_200 "http://$ADDR/readyz"
base=http://$ADDR
session=$(signin "$base")
cookie="Cookie: ally_session=$session"
if [ -n "${PAGE:-}" ]; then
    url=$base$PAGE
else
    person=$(curl -s -H "$cookie" "$base/persons" | grep -o 'href="/persons/[0-9a-f-]\{36\}"' | head -1 | sed 's/href="//; s/"$//')
    url=$base$person
fi
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "$cookie" "$url")" = 200 ] || { log "$url is not 200"; exit 1; }

thread_ticks() { # PID TID
    awk '{print $14 + $15}' "/proc/$1/task/$2/stat"
}
audit_tid=$(grep -l '^ally-audit$' /proc/"$pid"/task/*/comm | head -1 | cut -d/ -f5)
c0=$(cpu_ticks "$pid")
a0=$(thread_ticks "$pid" "$audit_tid")
wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" -H "$cookie" "$url" >"$WORK/wrk.txt" &
w=$!
sleep 3
case "$PERF" in
    record) perf record -F "${FREQ:-1999}" ${CG:--g} -p "$pid" -o "$WORK/perf.data" -- sleep 8 >/dev/null 2>&1 ;;
    stat) perf stat -e syscalls:sys_enter_writev,syscalls:sys_enter_write,syscalls:sys_enter_recvfrom,syscalls:sys_enter_read,syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_pwrite64,syscalls:sys_enter_pread64,context-switches \
        -p "$pid" -- sleep 5 2>&1 | grep -E 'syscalls|context' ;;
esac
wait "$w"
c1=$(cpu_ticks "$pid")
a1=$(thread_ticks "$pid" "$audit_tid")
kill "$pid"
wait "$pid" 2>/dev/null || true

"$HELLO_BIN" "$HELLO_ADDR" >/dev/null 2>&1 &
h=$!
PIDS+=("$h")
wait_200 "http://$HELLO_ADDR/"
hello=$(wrk -t"$THREADS" -c"$CONNS" -d8s "http://$HELLO_ADDR/" | awk '/Requests\/sec/{print $2}')
view=$(awk '/Requests\/sec/{print $2}' "$WORK/wrk.txt")
per_req() { # TICKS_BEFORE TICKS_AFTER -> µs per request
    awk -v a="$1" -v b="$2" -v r="$view" -v d="$DUR" -v hz="$(getconf CLK_TCK)" \
        'BEGIN{printf "%.1f", (b - a) / hz * 1e6 / (r * d)}'
}
echo "RATIO view=$view hello=$hello pct=$(awk -v a="$view" -v b="$hello" 'BEGIN{printf "%.1f", 100 * a / b}') cpu_us=$(per_req "$c0" "$c1") audit_us=$(per_req "$a0" "$a1")"
