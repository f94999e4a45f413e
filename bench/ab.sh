#!/usr/bin/env bash
# Before/after comparison of two release builds on the same machine in the same minutes, for a
# change that should not move performance (a refactor): the person view (bench/web/run.sh), the
# case view and "my deadlines" (bench/protection/run.sh), the interview pages
# (bench/identification/run.sh) and record linkage on FEBRL (Ally's `link match` and
# `link dedupe`, timed and scored). The binaries run one after the other in the order ORDER
# (default "base new"; "base new new2 base2" runs each twice, so that a drift of the machine
# shows as a difference between two runs of the same binary).
#
#   bench/ab.sh BASE_TARGET_DIR NEW_TARGET_DIR      (each holds release/ally and release/examples)
#
# Knobs: ORDER, BACKENDS=sqlite (or "sqlite postgres"), DURATION=5s, OUT=/tmp/ally-ab, SHARED (the
# shared bench data folder, default ../shared/bench). Nothing asserts a time: it prints the
# result lines of each script, prefixed with the binary's label, into $OUT/ab.txt.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BASE=${1:?usage: bench/ab.sh BASE_TARGET_DIR NEW_TARGET_DIR}
NEW=${2:?usage: bench/ab.sh BASE_TARGET_DIR NEW_TARGET_DIR}
BACKENDS=${BACKENDS:-sqlite}
DURATION=${DURATION:-5s}
OUT=${OUT:-/tmp/ally-ab}
SHARED=${SHARED:-$ROOT/../shared/bench}
DATA=$SHARED/data
mkdir -p "$OUT"
: > "$OUT/ab.txt"

run_pages() {
    local label=$1 dir=$2
    for script in web protection identification; do
        local knobs=(BUILD=0 ALLY_BIN="$dir/release/ally" BACKENDS="$BACKENDS" DURATION="$DURATION"
            BENCH_DIR="$OUT/$label-$script")
        if [ "$script" = web ]; then
            knobs+=(HELLO_BIN="$dir/release/examples/hello" OPENLOOP_BIN="$dir/release/examples/openloop"
                FLOOR_BIN="$dir/release/examples/floor")
        fi
        echo "== $label $script" >&2
        env "${knobs[@]}" "$ROOT/bench/$script/run.sh" > "$OUT/$label-$script.log" 2>&1 || {
            echo "$label $script failed; see $OUT/$label-$script.log" >&2
            return 1
        }
        grep -hE '^(WRK|SEED|READY|RSS|OPENLOOP|CEILING|FLOOR)' "$OUT/$label-$script"/results.txt 2>/dev/null \
            | sed "s/^/$label /" >> "$OUT/ab.txt" || true
    done
}

run_linkage() {
    local label=$1 dir=$2
    local fields=(--field given_name=given_name --field family_name=surname
        --field date_of_birth=date_of_birth --field city=suburb --field postcode=postcode
        --field street=address_1 --field street_number=street_number)
    /usr/bin/time -f "%e %M" -o "$OUT/$label-febrl4.time" "$dir/release/ally" link match \
        --left "$DATA/febrl4_a.csv" --right "$DATA/febrl4_b.csv" --id-column rec_id "${fields[@]}" \
        --output "$OUT/$label-febrl4.csv" 2> /dev/null
    /usr/bin/time -f "%e %M" -o "$OUT/$label-febrl3.time" "$dir/release/ally" link dedupe \
        --input "$DATA/febrl3.csv" --id-column rec_id "${fields[@]}" \
        --output "$OUT/$label-febrl3.csv" 2> /dev/null
    local f4 f3
    f4=$(python3 "$ROOT/bench/linkage/score.py" pairs "$OUT/$label-febrl4.csv" "$DATA/febrl4_truth.csv" | tr -d '\n ')
    f3=$(python3 "$ROOT/bench/linkage/score.py" clusters "$OUT/$label-febrl3.csv" "$DATA/febrl3_truth.csv" | tr -d '\n ')
    echo "$label LINK febrl4_match wall_s_peak_kib=$(cat "$OUT/$label-febrl4.time" | tr ' ' '/') score=$f4" >> "$OUT/ab.txt"
    echo "$label LINK febrl3_dedupe wall_s_peak_kib=$(cat "$OUT/$label-febrl3.time" | tr ' ' '/') score=$f3" >> "$OUT/ab.txt"
}

echo "MACHINE date=$(date -u +%FT%TZ) nproc=$(nproc) load=\"$(cut -d' ' -f1-3 /proc/loadavg)\"" >> "$OUT/ab.txt"
for label in ${ORDER:-base new}; do
    case $label in base | base2) dir=$BASE ;; *) dir=$NEW ;; esac
    run_linkage "$label" "$dir"
    run_pages "$label" "$dir"
done
cat "$OUT/ab.txt"
