# Shared plumbing of the web benchmark scripts (bench/web, bench/identification,
# bench/protection): process cleanup, result lines, CPU accounting, sign-in, wrk runs.
# Sourced, not run. The caller sets before sourcing: WORK (its scratch dir), and before calling
# signin/wrk_run: ALLY_BIN, EMAIL, PASSWORD, THREADS, CONNS, DURATION.

BENCH_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# wrk's default script: prints one WRKRESULT line (rate, latency percentiles, errors).
WRK_LUA=$BENCH_LIB_DIR/web/wrk.lua

mkdir -p "$WORK/logs"
RESULTS=$WORK/results.txt
: >"$RESULTS"
export ALLY_LOG=${ALLY_LOG:-warn}

# Every server a script starts is added here and stopped at exit (by its PID).
PIDS=()
cleanup() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
record() { echo "$*" | tee -a "$RESULTS"; }
now_ns() { date +%s%N; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# CPU time (user+system, in clock ticks) a process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# CPU ticks of all PostgreSQL server processes (the database's share of the work).
pg_ticks() {
    local t=0 p
    for p in $(pgrep -x postgres || true); do
        t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$t"
}
# Busy and total ticks of the whole machine (all cores): "busy total".
machine_ticks() { awk '/^cpu /{b=$2+$3+$4+$7+$8+$9; print b, b+$5+$6}' /proc/stat; }
rss_kib() { ps -o rss= -p "$1" | tr -d ' '; }
machine_line() { # [extra fields...] -> records the MACHINE line
    record "MACHINE date=$(date -u +%Y-%m-%dT%H:%M:%SZ) commit=${COMMIT:-$(git -C "$BENCH_LIB_DIR/.." rev-parse --short HEAD 2>/dev/null || echo unknown)} nproc=$(nproc) cpu=\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')\" mem_kib=$(awk '/MemTotal/{print $2}' /proc/meminfo) load=\"$(loadavg)\" $*"
}

# Polls URL until it answers 200; prints nothing, fails after ~30 s.
wait_200() {
    local url=$1 i
    for i in $(seq 1 3000); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$url" 2>/dev/null)" = 200 ] && return 0
        sleep 0.01
    done
    log "timeout waiting for $url"
    return 1
}

# Signs EMAIL in with PASSWORD and the demo's one-time code; prints the session token.
signin() { # BASE
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
        # A one-time code is accepted once per user: wait for the next 30 s step.
        log "code step answered $status (attempt $attempt); waiting for the next code"
        sleep $((31 - $(date +%s) % 30))
    done
    return 1
}

# Records one WRK line: wrk's figures plus the CPU the server (PID) and PostgreSQL spent per
# request and how busy the machine was. WRK_SCRIPT overrides the wrk script.
wrk_run() { # LABEL PID URL [extra wrk args...]
    local label=$1 pid=$2 url=$3
    shift 3
    local c0 c1 out line n g0 g1 m0 m1 hz
    hz=$(getconf CLK_TCK)
    c0=$(cpu_ticks "$pid")
    g0=$(pg_ticks)
    m0=$(machine_ticks)
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "${WRK_SCRIPT:-$WRK_LUA}" "$@" "$url")
    c1=$(cpu_ticks "$pid")
    g1=$(pg_ticks)
    m1=$(machine_ticks)
    echo "$out" >"$WORK/logs/wrk-$label.txt"
    line=$(echo "$out" | grep '^WRKRESULT' | sed 's/^WRKRESULT //')
    n=$(echo "$line" | sed 's/.*\bn=\([0-9]*\).*/\1/')
    record "WRK case=$label conns=$CONNS $line server_cpu_us_per_req=$(awk -v a="$c0" -v b="$c1" -v n="$n" -v hz="$hz" 'BEGIN{printf "%.0f", (b-a)/hz*1e6/(n>0?n:1)}') pg_cpu_us_per_req=$(awk -v a="$g0" -v b="$g1" -v n="$n" -v hz="$hz" 'BEGIN{printf "%.0f", (b-a)/hz*1e6/(n>0?n:1)}') machine_busy_pct=$(echo "$m0 $m1" | awk '{printf "%.0f", 100*($3-$1)/(($4-$2)>0?($4-$2):1)}') load=\"$(loadavg)\""
}
